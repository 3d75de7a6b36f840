"""Rules for caught errors that are logged badly."""
