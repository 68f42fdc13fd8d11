"""Size and content estimates: what a build would put in each layer, without building it."""
