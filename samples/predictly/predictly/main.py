"""Entry point: `python -m predictly.main` (dev) or `uvicorn predictly.api.app:app`."""
import argparse
import os


def main(argv=None):
    parser = argparse.ArgumentParser(prog="predictly")
    parser.add_argument("--host", default=os.environ.get("PREDICTLY_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PREDICTLY_PORT", "8000")))
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args(argv)

    import uvicorn

    uvicorn.run("predictly.api.app:app", host=args.host, port=args.port, reload=args.reload)


if __name__ == "__main__":
    main()
