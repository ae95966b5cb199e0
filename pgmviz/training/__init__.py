"""Training: the one protocol, the RBM trainer and its negative phases, exact gradients, up-down,
the samplers' race, and backprop fine-tuning."""
