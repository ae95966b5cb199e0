"""Inference in graphical models: sum-product belief propagation and naive mean field, against exact enumeration."""
