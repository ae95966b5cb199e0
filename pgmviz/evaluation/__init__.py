"""Judging models: held-out log-likelihood, reconstructions, and what an independent reader makes of samples."""
