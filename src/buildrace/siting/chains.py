"""What each value chain needs from a site: related industries, minerals, facility stages.

A chain has two roles a designated site can play. The *upstream* role is mining and
refining (raw and processed materials); the *manufacturing* role is components and
assembly. Each role maps to 3-digit NAICS industries of the County Business Patterns
(the finest industry detail published by state) and to stages of the project's
facility list. The mapping is a judgement, stated here so it can be argued with:

=================  ==========================================  ==========================================
chain              upstream NAICS (why)                        manufacturing NAICS (why)
=================  ==========================================  ==========================================
li_ion_battery     212 metal-ore mining, 325 chemicals         335 electrical equipment (335911 storage
                   (lithium carbonate/hydroxide, 325180),      batteries), 326 plastics (separator film
                   331 primary metals (nickel, cobalt          326113), 336 transport equipment (pack
                   refining 331410)                            assembly 336320)
solar_pv           325 chemicals (polysilicon via              334 electronics (PV cells 334413),
                   trichlorosilane, 325180), 331 primary       327 glass (solar glass 327211),
                   metals (silicon metal 331110), 212 mining   335 electrical equipment (inverters)
                   (quartz, industrial sand 212322)
ndfeb_magnet       212 mining (rare-earth ore 212299),         332 fabricated metal (sintered magnet
                   325 chemicals (rare-earth separation        machining), 333 machinery (wind turbines
                   325180), 331 primary metals (NdPr metal     333611), 335 electrical equipment (motors
                   and alloy 331410/331491)                    335312)
ev                 331 primary metals (steel, aluminium),      336 transport equipment (336110 light
                   332 fabricated metal (stampings), 335       vehicles), 326 plastics and rubber (tyres,
                   electrical equipment (batteries, motors)    trim), 333 machinery (powertrain tooling)
=================  ==========================================  ==========================================

Minerals are the commodity groups of ``mineral_deposits.csv`` whose deposits feed the
chain (MODEL.md "Value chain and stage"): battery cathodes and anodes (Li, Ni, Co,
Mn, graphite), copper for PV ribbons and wiring, rare earths for magnets, and all of
them for an electric vehicle.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from buildrace.errors import InputError


class Role(StrEnum):
    """The part of a chain a designated site plays."""

    UPSTREAM = "upstream"
    MANUFACTURING = "manufacturing"


class ChainProfile(BaseModel):
    """What a chain draws on at a site, per role.

    Attributes
    ----------
    name
        Chain identifier (``li_ion_battery``, ``solar_pv``, ``ndfeb_magnet``, ``ev``).
    upstream_naics, manufacturing_naics
        3-digit NAICS codes of the related industries of each role.
    commodities
        Mineral commodity groups whose deposits within reach count for the chain.
    upstream_stages, manufacturing_stages
        ``sector.stage`` patterns (``fnmatch``) of the facilities that count for each role.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    upstream_naics: tuple[int, ...]
    manufacturing_naics: tuple[int, ...]
    commodities: tuple[str, ...]
    upstream_stages: tuple[str, ...]
    manufacturing_stages: tuple[str, ...]

    def naics(self, role: Role) -> tuple[int, ...]:
        """NAICS codes of one role."""
        return self.upstream_naics if role is Role.UPSTREAM else self.manufacturing_naics

    def stages(self, role: Role) -> tuple[str, ...]:
        """Facility stage patterns of one role."""
        return self.upstream_stages if role is Role.UPSTREAM else self.manufacturing_stages

    @property
    def all_naics(self) -> tuple[int, ...]:
        """Every related industry of the chain, without repeats, in order."""
        return tuple(dict.fromkeys((*self.upstream_naics, *self.manufacturing_naics)))


_BATTERY_MINERALS = ("lithium", "nickel", "cobalt", "manganese", "graphite")

CHAINS: dict[str, ChainProfile] = {
    "li_ion_battery": ChainProfile(
        name="li_ion_battery",
        upstream_naics=(212, 325, 331),
        manufacturing_naics=(335, 326, 336),
        commodities=_BATTERY_MINERALS,
        upstream_stages=(
            "li_ion_battery.mine_*",
            "li_ion_battery.refine_*",
            "li_ion_battery.process_*",
        ),
        manufacturing_stages=(
            "li_ion_battery.cam_*",
            "li_ion_battery.anode_*",
            "li_ion_battery.cell*",
            "li_ion_battery.pack",
        ),
    ),
    "solar_pv": ChainProfile(
        name="solar_pv",
        upstream_naics=(325, 331, 212),
        manufacturing_naics=(334, 327, 335),
        commodities=("copper",),
        upstream_stages=("solar_pv.polysilicon",),
        manufacturing_stages=("solar_pv.ingot*", "solar_pv.cell", "solar_pv.module*"),
    ),
    "ndfeb_magnet": ChainProfile(
        name="ndfeb_magnet",
        upstream_naics=(212, 325, 331),
        manufacturing_naics=(332, 333, 335),
        commodities=("rare_earths",),
        upstream_stages=(
            "ndfeb_magnet.mine_*",
            "ndfeb_magnet.separation*",
            "ndfeb_magnet.metal_alloy",
        ),
        manufacturing_stages=("ndfeb_magnet.magnet*",),
    ),
    "ev": ChainProfile(
        name="ev",
        upstream_naics=(331, 332, 335),
        manufacturing_naics=(336, 326, 333),
        commodities=(*_BATTERY_MINERALS, "copper", "rare_earths"),
        # The supply base of an assembly plant is its battery cells and packs.
        upstream_stages=("li_ion_battery.cell*", "li_ion_battery.pack"),
        manufacturing_stages=("ev.assembly", "*.ev"),
    ),
}


def get_chain(name: str) -> ChainProfile:
    """Return the profile of a chain, or raise :class:`InputError` naming the valid ones."""
    try:
        return CHAINS[name]
    except KeyError:
        valid = ", ".join(sorted(CHAINS))
        raise InputError(f"unknown chain {name!r}; use one of: {valid}") from None


__all__ = ["CHAINS", "ChainProfile", "Role", "get_chain"]
