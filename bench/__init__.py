"""Benchmarks of Espace Client: ``make bench`` prints figures; nothing here is a test."""
