"""``attune-airflow``: validate, inspect, run and clean up attune workflows on Airflow.

Module imports stay light (argparse only): commands that need Airflow import it inside their
handler, after :mod:`attune_provider.cli.environment` has set AIRFLOW_HOME, the DB and the XCom
backend -- Airflow reads its configuration once, at first import.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from attune_provider.cli.cache_cmd import add_parser as add_cache_parser
from attune_provider.cli.errors import CliError
from attune_provider.cli.packs_cmd import add_parser as add_packs_parser
from attune_provider.cli.respond_cmd import add_parser as add_respond_parser

DESCRIPTION = """\
Work with attune workflow YAML (StackStorm-like) compiled into Apache Airflow DAGs.

WORKFLOW arguments accept a workflow file (standalone, or an action file with workflow_file),
a pack folder, or a folder of packs and files; use --ref to pick one workflow when the path
holds several. A bare ref (e.g. examples.health_check) is looked up in the [attune]
workflows_folder.
"""

EPILOG = """\
examples:
  attune-airflow validate packs/ --format json
  attune-airflow render examples/health_check.yaml -p count=3 --task check --item 0
  attune-airflow graph examples/health_check.yaml --format mermaid
  attune-airflow run examples/health_check.yaml -p count=10
  attune-airflow show 'attune://ab12...' --index 3
  attune-airflow gc --dry-run
"""


class _Step(argparse.Action):
    """Collect --index/--key into one ordered list of (kind, value) steps."""

    def __call__(self, parser, namespace, values, option_string=None):
        steps = [*(getattr(namespace, self.dest, None) or []), (option_string.lstrip("-"), values)]
        setattr(namespace, self.dest, steps)


def _add_workflow_arguments(parser: argparse.ArgumentParser, *, params: bool = True) -> None:
    parser.add_argument("workflow", metavar="WORKFLOW", help="workflow file, pack folder, or workflow ref")
    parser.add_argument("--ref", help="which workflow to use when WORKFLOW holds several (its ref)")
    if params:
        parser.add_argument(
            "-p",
            "--param",
            dest="params",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="workflow parameter; VALUE is parsed as YAML (3, true, [a, b], {x: 1}) and "
            "otherwise kept as text. Repeatable.",
        )
        parser.add_argument(
            "--params-file", metavar="FILE", help="YAML/JSON mapping of parameters (-p entries win)"
        )


def _add_common_arguments(parser: argparse.ArgumentParser, default: object) -> None:
    """Accepted before or after the command name (sub-parsers use SUPPRESS to keep the top value)."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if default is None else default,
        help="show tracebacks on errors",
    )
    parser.add_argument(
        "--airflow-home",
        metavar="DIR",
        default=default,
        help="AIRFLOW_HOME to use (default: $AIRFLOW_HOME, else ~/airflow)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attune-airflow",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common_arguments(parser, default=None)
    common = argparse.ArgumentParser(add_help=False)
    _add_common_arguments(common, default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate",
        parents=[common],
        help="check workflow files, packs or folders",
        description="Load every workflow under the given paths and report errors and warnings with "
        "file:line:column. Exit status: 0 when valid, 1 when any error (or, with --strict, any "
        "warning) was found.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="workflow file, pack folder or folder")
    validate.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    validate.add_argument(
        "--no-compile",
        action="store_true",
        help="only load the YAML; by default every valid workflow is also compiled to a DAG",
    )
    validate.set_defaults(handler="attune_provider.cli.validate_cmd:run")

    render = commands.add_parser(
        "render",
        parents=[common],
        help="show the compiled DAG, or a task's rendered input",
        description="Print the DAG Airflow will see (task ids, groups, dependencies, trigger rules, "
        "mapping, params). With --task, print that task's input rendered for the given parameters "
        "(and --item).",
    )
    _add_workflow_arguments(render)
    render.add_argument("--task", metavar="NAME", help="attune task whose input to render")
    render.add_argument("--item", type=int, metavar="N", help="with_items index to render (default 0)")
    render.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    render.set_defaults(handler="attune_provider.cli.render_cmd:run")

    graph = commands.add_parser(
        "graph",
        parents=[common],
        help="draw the workflow graph (mermaid or dot)",
        description="Print the attune task graph with transition conditions, publishes and labels.",
    )
    _add_workflow_arguments(graph, params=False)
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid", help="output format")
    graph.set_defaults(handler="attune_provider.cli.graph_cmd:run")

    run = commands.add_parser(
        "run",
        parents=[common],
        help="run a workflow once through Airflow and print its result",
        description="Compile the workflow and hand one run of it to Airflow: in this process with "
        "dag.test(), or through Airflow's own scheduler, dag-processor, triggerer and api-server started "
        "for the run (parallel items, child workflows, inquiries), or -- when a scheduler already runs on "
        "the metadata DB -- through that scheduler (docs/running.md). SQLite metadata DB under AIRFLOW_HOME "
        "unless configured otherwise. Shows live progress on stderr and prints the run's result as JSON "
        "on stdout. Exit status 1 when the run failed, 130 when interrupted.",
    )
    _add_workflow_arguments(run)
    run.add_argument("--no-progress", action="store_true", help="do not show the progress display")
    run.add_argument(
        "--stats", action="store_true", help="also print run statistics (instances, store bytes, time)"
    )
    run.add_argument("--stats-json", metavar="FILE", help="write the run statistics as JSON to FILE")
    run.add_argument(
        "--task-logs", action="store_true", help="let Airflow print task logs (quiet by default)"
    )
    mode = run.add_mutually_exclusive_group()
    mode.add_argument(
        "--serial",
        action="store_true",
        help="run in this process with dag.test(), one task instance at a time",
    )
    mode.add_argument(
        "--parallel",
        action="store_true",
        help="run through Airflow's own processes (scheduler with LocalExecutor, dag-processor, triggerer, "
        "api-server) started for this run",
    )
    run.set_defaults(handler="attune_provider.cli.run_cmd:run")

    gc = commands.add_parser(
        "gc",
        parents=[common],
        help="delete stored results nothing references any more",
        description="Delete result-store objects that no XCom row and no run's variables reference. "
        "Safe while runs are active.",
    )
    gc.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    gc.add_argument(
        "--grace",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="keep objects younger than this, so results of tasks still running survive (default 3600)",
    )
    gc.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    gc.add_argument(
        "--forget-registrant",
        action="append",
        metavar="ID",
        help="treat this registrant (another metadata DB sharing the store) as gone; refused unless "
        "its lease expired (repeatable)",
    )
    gc.set_defaults(handler="attune_provider.cli.store_cmd:run_gc")

    show = commands.add_parser(
        "show",
        parents=[common],
        help="print a stored value or a slice of it",
        description="Resolve a result-store reference (as shown in the XCom tab) and print it as JSON. "
        "--index and --key walk into it without reading the rest.",
    )
    show.add_argument("ref", metavar="REF", help="store reference, or the XCom JSON that holds it")
    show.add_argument(
        "--index",
        dest="steps",
        action=_Step,
        metavar="I",
        help="list index or slice (2, -1, 10:20); --index/--key apply in the order given",
    )
    show.add_argument("--key", dest="steps", action=_Step, metavar="K", help="mapping key")
    show.set_defaults(steps=[])
    show.add_argument("--info", action="store_true", help="print size, hash and type instead of the value")
    show.set_defaults(handler="attune_provider.cli.store_cmd:run_show")
    add_respond_parser(commands, common)
    add_packs_parser(commands, common)
    add_cache_parser(commands, common)
    return parser


def _resolve_handler(spec: str):
    import importlib

    module_name, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handler = _resolve_handler(args.handler)
        return int(handler(args) or 0)
    except CliError as exc:
        if args.debug:
            raise
        print(f"attune-airflow {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # unexpected: short message, traceback only with --debug
        if args.debug:
            raise
        print(
            f"attune-airflow {args.command}: error: {type(exc).__name__}: {exc}\n"
            "(run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
