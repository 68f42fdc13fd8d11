"""One module per subcommand; ``layerlint.cli`` imports only the one that runs."""
