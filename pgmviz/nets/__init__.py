"""Neural networks trained by backprop: perceptrons and the 2-H-1 net, the optimisers, deep autoencoders."""
