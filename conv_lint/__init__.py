"""conv-lint: find convolution calls that rely on framework defaults which differ between
TensorFlow/Keras, JAX, Flax, Haiku, Equinox and PyTorch."""

__version__ = "0.1.0"
