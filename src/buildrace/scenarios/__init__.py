"""Built-in scenarios, one YAML file each (listed by `buildrace scenarios`)."""
