"""Check deployed Zscaler DSPM IAM roles against the vendor's documented contract."""

__version__ = "0.1.0"
