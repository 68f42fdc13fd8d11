"""layerlint: a static analyzer for Dockerfiles that understands layers and the build cache."""

__version__ = "0.1.0"
