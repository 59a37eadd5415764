"""The ``keras`` fixture (real Keras 3 on PyTorch) is in tests/conftest.py, shared with the other suites."""
