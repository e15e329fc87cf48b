"""Batch runners: worker processes on one box (``local``) and Ray Data on a cluster (``ray``)."""
