"""Mechanisms shared by every area of Espace Client, one module each."""
