"""The models: RBMs (binary, Gaussian, with label units), full Boltzmann machines, sigmoid belief nets, DBNs, VAEs."""
