"""Records and infrastructure: the layer above the engine (see README, "How it is built")."""
