"""Stocks and accounts (MODEL.md step 6): what the year's trade leaves in stock and on the books.

Surplus inputs (received beyond what producers used) stay in stock, purchases fill the
strategic reserves and draws empty them; the accounts record tariff revenue on the
producer cost of each flow, production credits paid, jobs per unit of operating
capacity, electricity per unit of output and the cost of carrying stocks at last year's
prices.
"""

from __future__ import annotations

import numpy as np

from buildrace.engine import backend


def stocks_and_accounts(output, intensity, fill, derived, stock_prev, purchase, stock_draw, flows, cost_eff, tariff,
                        credit_unit, jobs_per_unit, elec_per_unit, capacity_e, price_prev, carry):
    """The stock account and the year's accounts.

    Parameters
    ----------
    output : (N, E, S) production
    intensity : (S, S) or (N, S, S) input per unit of consumer (row) of input (column)
    fill, derived, purchase, stock_draw : (N, M, S) share of demand met, demand from
        modelled consumers, stockpile purchases, draws on stocks
    stock_prev : (N, E, S) stocks at the start of the year
    flows : (N, M, E, S) deliveries; cost_eff (N, E, S) the producer cost they are valued at
    tariff : (M, E, S) or (N, M, E, S) ad valorem tariffs
    credit_unit : (N, E, S) production credit per unit
    jobs_per_unit, elec_per_unit : (N or 1, S)
    capacity_e : (N, E, S) operating capacity
    price_prev : (N, M, S) last year's prices; carry (N, 1, 1) the carrying cost rate

    Returns
    -------
    used, received, to_stock, stock, tariff_revenue (N, M, S), subsidies, jobs,
    electricity, carrying_cost ; subsidies exclude investment credits (the caller adds them)
    """
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_year.py)
        from buildrace.engine.compiled_year import accounts_phase

        return accounts_phase(output, intensity, fill, derived, stock_prev, purchase, stock_draw, flows, cost_eff,
                              tariff, credit_unit, jobs_per_unit, elec_per_unit, capacity_e, price_prev, carry)
    used = output @ intensity  # (N, E, S) inputs consumed by producers in e
    received = fill * derived
    to_stock = np.maximum(received - used, 0.0)
    stock = np.maximum(stock_prev + to_stock + fill * purchase - stock_draw, 0.0)
    tariff_n = tariff if tariff.ndim == 4 else tariff[None]
    tariff_rev = (flows * cost_eff[:, None] * tariff_n).sum(axis=2)
    subsidies = credit_unit * output
    jobs = jobs_per_unit[:, None, :] * capacity_e
    electricity = elec_per_unit[:, None, :] * output
    return used, received, to_stock, stock, tariff_rev, subsidies, jobs, electricity, stock * price_prev * carry
