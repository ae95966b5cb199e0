"""Sampling and exact sums: the Numba kernels, Gibbs chains, annealing (AIS, PA, PT) and the partition function."""
