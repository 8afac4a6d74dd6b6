"""The corpus of broken legal files (tests/data/bad_legal): each folder's import is refused with
exactly the problems its expected.txt lists, as `file:line: column: what is wrong`."""

from pathlib import Path

import pytest

from cjcase.domain.errors import ImportRejected
from cjcase.services.importing.importer import import_path
from tests.helpers import SAMPLE_TODAY

CORPUS = Path(__file__).parent / "data" / "bad_legal"


@pytest.mark.parametrize("case", sorted(p.name for p in CORPUS.iterdir() if p.is_dir()))
def test_each_broken_file_is_refused_with_its_problems_listed(db, case):
    folder = CORPUS / case
    with pytest.raises(ImportRejected) as error:
        import_path(db, folder, SAMPLE_TODAY)
    expected = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert [str(p) for p in error.value.problems] == expected
    assert db.execute("SELECT count(*) FROM clients").fetchone()[0] == 0  # all or nothing
