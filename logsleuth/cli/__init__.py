"""The command line: options, errors and outputs around the pipeline."""
