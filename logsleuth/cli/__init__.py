"""The command line: options, errors and outputs around the pipeline."""


def main() -> None:
    """The ``logsleuth`` process (the script and ``python -m logsleuth``), around ``app.main``.

    Start-up (imports; typer's, rich's and the report's classes) allocates some 25,000 objects
    that live until exit, and next to no garbage. The cyclic collector, which would traverse them
    about 60 times, is off until the work starts (``app._collecting``); at exit they are frozen, so
    that the interpreter's last collection skips them. Together 15 to 20 ms of a short run.
    """
    import gc

    gc.disable()
    try:
        from logsleuth.cli.app import main as run

        run()
    finally:
        gc.freeze()
