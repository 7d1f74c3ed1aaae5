"""Every way Airflow 3.3 hands an XCom to a task, in one plain (non-attune) DAG.

Each consumer writes what it received -- Python type names and the value -- to
``$XCOM_COMPAT_OBS/<task_id>.<map_index>.json``; the compatibility suite runs this DAG under
``BaseXCom`` and under ``AttuneXComBackend`` and requires identical observations and states.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
from pathlib import Path
from typing import Any

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import dag, get_current_context, task, task_group

BIG = 2000  # characters per list item: large enough that a backend keeps the list out of the row


def describe(value: Any) -> Any:
    """Type names all the way down (what user code sees with isinstance / type())."""
    if isinstance(value, dict):
        return {"dict": {str(k): describe(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple, set)):
        return {type(value).__name__: [describe(v) for v in value]}
    return type(value).__name__


def record(**received: Any) -> None:
    ti = get_current_context()["ti"]
    out = Path(os.environ["XCOM_COMPAT_OBS"]) / f"{ti.task_id}.{ti.map_index}.json"
    observed = {}
    for name, value in received.items():
        observed[name] = {
            "types": describe(value),
            "json": json.dumps(value, default=repr, sort_keys=True),  # fails on non-JSON containers
            "repr": repr(value)[:300],
        }
    out.write_text(json.dumps(observed, sort_keys=True))


def double(value: Any) -> Any:
    return value * 2


@dag(dag_id="xcom_compat_matrix", schedule=None, start_date=dt.datetime(2024, 1, 1), catchup=False)
def xcom_compat_matrix() -> None:
    @task
    def make_list() -> list:
        return [f"{i}:" + "x" * BIG for i in range(3)]

    @task
    def make_numbers() -> list:
        return [1, 2, 3, 4]

    @task
    def make_dict() -> dict:
        return {"a": 1, "b": 2}

    @task
    def make_nested() -> list:
        return [{"id": i, "tags": ["t"] * 3, "pad": "p" * BIG} for i in range(3)]

    @task
    def make_kwargs() -> list:
        return [{"x": 1, "y": "one"}, {"x": 2, "y": "two"}]

    @task
    def make_odd_types() -> dict:
        return {
            "when": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC),
            "day": dt.date(2024, 5, 6),
            "span": dt.timedelta(minutes=5),
            "pair": (1, "two"),
            "bag": {3},
            "money": decimal.Decimal("1.10"),
        }

    @task
    def make_tuple() -> tuple:
        return (1, 2, 3)

    @task(multiple_outputs=True)
    def make_outputs() -> dict:
        return {"left": [1, 2], "right": {"k": "v"}}

    @task
    def push_other_key() -> None:
        get_current_context()["ti"].xcom_push(key="extra", value={"other": ["key", 1]})

    @task
    def on_item(x: Any) -> Any:
        record(x=x)
        return x

    @task
    def on_pair(pair: Any) -> Any:
        record(pair=pair)
        return list(pair)

    @task
    def on_kwargs(x: Any, y: Any) -> None:
        record(x=x, y=y)

    @task
    def on_whole(values: Any, mapping: Any, odd: Any, tup: Any) -> None:
        record(values=values, mapping=mapping, odd=odd, tup=tup, listed=values + ["more"])  # noqa: RUF005 - list concatenation is the point

    @task
    def on_mapped_results(results: Any) -> None:
        record(results=list(results), length=len(results), first=results[0])

    @task
    def on_outputs(left: Any, right: Any) -> None:
        record(left=left, right=right)

    @task
    def with_partial(x: Any, whole: Any) -> None:
        record(x=x, whole=whole, keys=sorted(whole))

    @task
    def pulls() -> None:
        ti = get_current_context()["ti"]
        record(
            many=ti.xcom_pull(task_ids=["make_list", "make_dict"]),
            one=ti.xcom_pull(task_ids="make_dict"),
            by_index=ti.xcom_pull(task_ids="on_item", map_indexes=[0, 2]),
            one_index=ti.xcom_pull(task_ids="on_item", map_indexes=1),
            all_mapped=ti.xcom_pull(task_ids="on_item"),
            other_key=ti.xcom_pull(task_ids="push_other_key", key="extra"),
            output_key=ti.xcom_pull(task_ids="make_outputs", key="left"),
        )

    @task
    def on_jinja_output(text: Any) -> None:
        record(text=text)

    @task_group
    def per_item(x: Any) -> None:
        @task
        def inner(x: Any) -> Any:
            record(x=x)
            return x

        @task
        def after(y: Any) -> None:
            record(y=y)

        after(inner(x))

    items = make_list()
    numbers = make_numbers()
    mapping = make_dict()
    nested = make_nested()
    outputs = make_outputs()
    odd = make_odd_types()

    mapped = on_item.expand(x=items)
    on_pair.expand(pair=mapping)
    on_item.override(task_id="on_nested").expand(x=nested)
    on_kwargs.expand_kwargs(make_kwargs())
    on_item.override(task_id="on_map").expand(x=numbers.map(double))
    on_pair.override(task_id="on_zip").expand(pair=numbers.zip(items))
    on_pair.override(task_id="on_zip_fill").expand(pair=numbers.zip(items, fillvalue="none"))
    on_item.override(task_id="on_concat").expand(x=numbers.concat(items))
    on_mapped_results(mapped)
    on_whole(items, mapping, odd, make_tuple())
    on_outputs(outputs["left"], outputs["right"])
    with_partial.partial(whole=mapping).expand(x=numbers)
    per_item.expand(x=items)
    pulled = pulls()
    push_other_key() >> pulled
    mapped >> pulled
    outputs >> pulled

    python_classic = PythonOperator(
        task_id="python_classic",
        python_callable=lambda values, mapping: {"n": len(values), "keys": sorted(mapping)},
        op_kwargs={"values": items, "mapping": mapping},
    )
    bash_classic = BashOperator(
        task_id="bash_classic",
        bash_command="echo '{{ ti.xcom_pull(task_ids=\"make_dict\") }} {{ ti.xcom_pull(task_ids=\"make_numbers\") }}'",
    )
    [mapping, numbers] >> bash_classic
    on_jinja_output.override(task_id="on_bash_output")(bash_classic.output)
    on_jinja_output.override(task_id="on_python_output")(python_classic.output)


matrix_dag = xcom_compat_matrix()
