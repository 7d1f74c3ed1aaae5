"""Everything attune needs from Airflow's internals, and nothing else (docs/architecture.md).

One module per item. Each names the upstream file and Airflow version it mirrors (a link to
``apache/airflow`` at the tag) and why no public way exists; ``tests/_airflow_compat/`` checks
each against the installed Airflow and fails loudly when an upgrade moves it. The layout test
(``tests/test_package_layout.py``) keeps private reaches out of every other module.

Items (at most 5 in the whole package):

* ``mapped_expansion``: is an XCom value being read by Airflow's own mapped-task expansion?
* ``dagbag_import_errors``: the ``DagBag`` that is importing a DAG file, to record per-file errors.
* ``secrets_masker``: Airflow's ``redact``, which 3.3 exports only from ``airflow.sdk._shared``.
"""

#: the Airflow release every item was checked against (the constraints pin)
CHECKED_AGAINST = "3.3.2"
UPSTREAM = f"https://github.com/apache/airflow/blob/{CHECKED_AGAINST}"
