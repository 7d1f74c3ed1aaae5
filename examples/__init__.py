"""Runnable attune workflows, packs and the local servers they use."""
