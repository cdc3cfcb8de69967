"""The test suite's fixtures live in kits by subject, registered here as pytest plugins (pytest
takes ``pytest_plugins`` only from this, the root conftest). Import helpers from their kit, as in
``from tests.staffkit import login``.

- tests/basekit.py: ``skip_or_fail`` (PostgreSQL, Chromium and Java are optional on a developer's
  machine: the tests that need them are skipped with a message saying how to get them; with
  CI=true such a skip is a failure instead) and ``free_port``.
- tests/appkit.py: the test ``Clock`` (fixture ``clock``), ``TEST_KEYS``, ``settings``, ``app``,
  ``client`` and ``csrf_of``.
- tests/dbkit.py: ``db`` (each test on SQLite and PostgreSQL), ``sqlite_db``, ``postgres_db``,
  the schema from Alembic made once per run and copied for each test.
- tests/mailkit.py: ``smtp``, a real SMTP server in-process (``smtp.deliver`` runs the outbox
  sender into it), and ``body_of``.
- tests/browserkit.py: ``live_server`` (uvicorn), ``browser`` (one Chromium for the run),
  ``phone`` and ``desktop`` pages, ``assert_accessible`` (axe-core).
- tests/staffkit.py: staff accounts and signed-in clients (``officer``, ``staff_client``,
  ``adviser``, ``adviser_client``), ``login``, ``staff_post``, ``confirmed_post`` (an action
  asked for, then confirmed on its confirmation page).
- tests/applykit.py: the open call and its applicants (``open_call``, ``applicant``,
  ``screening_applications``), application forms and resume links.
- tests/jurykit.py: ``jury`` and ``juror_client``; scored and decided editions for the tally,
  decision and results tests.
- tests/htmlpages.py: ``save(name, html)`` keeps a rendered page for the Nu Html Checker, which
  runs once over every page saved when the run ends (a plugin, not a test: no test runs last).

Test data builders are in the tests/factories package, one module per context (``from tests import
factories, jury_factories`` as before). Test modules mirror the code: tests/domain/<context>,
tests/views/<area>, tests/tally, tests/security, tests/infra, tests/pages (the page crawl, HTML
validity, readable text, fuzzing) and tests/browser (Chromium). They run in any order, and in
parallel with pytest-xdist (``-n auto`` in pyproject.toml): each test makes its own databases,
folders and ports.
"""

# Each kit before the kits that import it, so that pytest rewrites the asserts of every one.
pytest_plugins = [
    "tests.basekit",
    "tests.htmlpages",
    "tests.appkit",
    "tests.dbkit",
    "tests.mailkit",
    "tests.browserkit",
    "tests.staffkit",
    "tests.applykit",
    "tests.jurykit",
]
