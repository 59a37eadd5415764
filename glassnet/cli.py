"""Command line: ``glassnet demo mnist [--model mlp|cnn|lstm] [--epochs N] ...``, ``glassnet playground [--port N] ...``,
``glassnet summary FILE`` and ``glassnet --version``."""

from __future__ import annotations

import argparse
import sys

# Each demo model's recipe: the lecture MLP (5 epochs, batch 50), Keras' convnet (batch 128) and the
# row-by-row LSTM (3 epochs, batch 128).
DEFAULTS = {"mlp": {"epochs": 5, "batch_size": 50}, "cnn": {"epochs": 2, "batch_size": 128},
            "lstm": {"epochs": 3, "batch_size": 128}}


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="glassnet", description="glassnet: a glass-box deep-learning library")
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train a demo network on a bundled dataset")
    demo.add_argument("dataset", choices=["mnist"], help="the dataset (bundled, works offline)")
    demo.add_argument("--model", default="mlp",
                      help="mlp (the lecture MLP), cnn (Keras' simple MNIST convnet) or lstm (an LSTM(128) "
                           "reading the image row by row)")
    demo.add_argument("--epochs", type=int, default=None, help="default: 5 for mlp, 2 for cnn, 3 for lstm")
    demo.add_argument("--batch-size", type=int, default=None, help="default: 50 for mlp, 128 for cnn and lstm")
    demo.add_argument("--learning-rate", type=float, default=0.001)
    demo.add_argument("--samples", type=int, default=None, help="use only the first N training images")
    demo.add_argument("--test-samples", type=int, default=None, help="test on only the first N test images")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--verbose", type=int, default=1, choices=[0, 1, 2])
    demo.add_argument("--report-dir", default="glassnet-report",
                      help="folder for the report: training curves, confusion matrix, ROC curves, misclassified "
                           "digits (PNG) and metrics.json (default: glassnet-report)")
    demo.add_argument("--no-report", action="store_true", help="do not write the report folder")
    play = sub.add_parser("playground", help="open the browser playground (TF Playground, trained by glassnet)")
    play.add_argument("--host", default="127.0.0.1",
                      help="interface to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the "
                           "network, so anyone who reaches the port can train models here)")
    play.add_argument("--port", type=int, default=8000, help="default: 8000")
    play.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    play.add_argument("--max-layers", type=int, default=None, help="most hidden layers a page may ask for (default 6)")
    play.add_argument("--max-neurons", type=int, default=None, help="most neurons per hidden layer (default 8)")
    summary = sub.add_parser("summary", help="inspect a saved .keras/.h5 model: layers, parameters, training config")
    summary.add_argument("file", help="a model file written by model.save() (glassnet or Keras)")
    return parser


def _summary(args: argparse.Namespace) -> int:
    """``glassnet summary FILE``: the safe loader's clear message and exit code 1 for a bad file."""
    from .inspect_file import SavedModelError, describe

    try:
        describe(args.file)
    except (SavedModelError, OSError) as err:
        print(f"glassnet summary: {err}", file=sys.stderr)
        return 1
    return 0


def _playground(args: argparse.Namespace) -> int:
    """``glassnet playground``: check the limits, then serve until Ctrl-C."""
    from .playground.config import Limits
    from .playground.server import run

    changes = {}
    for name in ("max_layers", "max_neurons"):
        value = getattr(args, name)
        if value is not None:
            if value < 1:
                print(f"glassnet playground: --{name.replace('_', '-')} must be at least 1", file=sys.stderr)
                return 2
            changes[name] = value
    if not 0 < args.port < 65536:
        print("glassnet playground: --port must be in 1..65535", file=sys.stderr)
        return 2
    run(host=args.host, port=args.port, open_browser=not args.no_browser, limits=Limits(**changes))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "playground":
        return _playground(args)
    if args.command == "summary":
        return _summary(args)
    if args.command == "demo":
        from .demo import MODELS, run_mnist_demo

        if args.model not in MODELS:
            print(f"glassnet demo: unknown model {args.model!r}; choose one of {sorted(MODELS)}", file=sys.stderr)
            return 2
        defaults = DEFAULTS.get(args.model, DEFAULTS["mlp"])
        args.epochs = defaults["epochs"] if args.epochs is None else args.epochs
        args.batch_size = defaults["batch_size"] if args.batch_size is None else args.batch_size
        if args.epochs < 1 or args.batch_size < 1:
            print("glassnet demo: --epochs and --batch-size must be at least 1", file=sys.stderr)
            return 2
        run_mnist_demo(args.model, epochs=args.epochs, batch_size=args.batch_size, samples=args.samples,
                       seed=args.seed, verbose=args.verbose, learning_rate=args.learning_rate,
                       report_dir=None if args.no_report else args.report_dir, test_samples=args.test_samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
