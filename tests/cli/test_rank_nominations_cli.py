"""``assess rank-nominations`` on files of our own, with the results worked out by hand."""

import ast
import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assess.cli import offline_ranking
from assess.cli.offline_ranking import rank_nominations_command

pytestmark = pytest.mark.pure

DATA = Path(__file__).resolve().parent.parent / "data"
COUNTY, EMPLOYER, WORKER, COMMUNITY = (
    "先进县(市、区)",
    "先进用工单位",
    "优秀外来务工人员",
    "先进社区",
)

# tests/data/reviews_round.csv: 15 nominations in 4 categories, 74 reviews by R01–R07.
# Totals per nomination (the file lists them by reviewer), worked out with min_reviews = 5:
#
#  id  category  totals                 trimmed mean (drop highest, lowest)  median  ≥90
#  N01 county    95 92 90 88 85         (92+90+88)/3 = 270/3 = 90.00         90      3
#  N02 employer  96 93 91 89 80         (93+91+89)/3 = 273/3 = 91.00         91      3
#  N03 county    94 90 89 88 87         (90+89+88)/3 = 267/3 = 89.00         89      2
#  N04 county    99 95 89 85 60         (95+89+85)/3 = 269/3 = 89.67         89      2   99−60 = 39: disagreement
#  N05 worker    91 90 88 86 85         (90+88+86)/3 = 264/3 = 88.00         88      2
#  N06 community 90 89 88 87 80         (89+88+87)/3 = 264/3 = 88.00         88      1   N05 ahead: more ≥ 90
#  N07 community 92 89 88 86 86         (89+88+86)/3 = 263/3 = 87.67         88      1
#  N08 employer  93 88 87 86 84         (88+87+86)/3 = 261/3 = 87.00         87      1
#  N09 worker    90 89 89 83 80         (89+89+83)/3 = 261/3 = 87.00         89      1   ahead of N08: median
#  N10 community 89 86 85 84 80         (86+85+84)/3 = 255/3 = 85.00         85      0   } still tied:
#  N11 county    88 87 85 83 82         (87+85+83)/3 = 255/3 = 85.00         85      0   } rank 10, `tie`
#  N12 employer  90 85 84 83 82 70      (85+84+83+82)/4 = 334/4 = 83.50      (84+83)/2 = 83.50   90−70 = 20: no flag
#  N13 worker    98 97 96 95            4 reviews < 5: not rankable
#  N14 community 60 85 90 92            4 reviews: not rankable; 92−60 = 32: disagreement
#  N15 county    79 78 77.5 76 75       (78+77.5+76)/3 = 231.5/3 = 77.1666… → 77.17   77.50
#
# Rank order: N02 1, N01 2, N04 3, N03 4, N05 5, N06 6, N07 7, N09 8, N08 9, N10 10, N11 10,
# N12 12, N15 13, then N13 and N14 unranked.


def row(nomination, category, score, median, rank, selected, flags=(), reviews=5):
    return {
        "nomination": nomination,
        "category": category,
        "score": score,
        "raw_score": score,
        "median": median,
        "reviews": reviews,
        "rank": rank,
        "selected": selected,
        "flags": list(flags),
    }


def tie_flags(selected):
    return ["tie", "cut-line-tie"] if selected is None else ["tie"]


def expected_round(n10, n11):
    """The table above as JSON, with N10's and N11's ``selected`` as given."""
    return {
        "nominees": [
            row("N02", EMPLOYER, 91.0, 91.0, 1, True),
            row("N01", COUNTY, 90.0, 90.0, 2, True),
            row("N04", COUNTY, 89.67, 89.0, 3, True, ["disagreement"]),
            row("N03", COUNTY, 89.0, 89.0, 4, True),
            row("N05", WORKER, 88.0, 88.0, 5, True),
            row("N06", COMMUNITY, 88.0, 88.0, 6, True),
            row("N07", COMMUNITY, 87.67, 88.0, 7, True),
            row("N09", WORKER, 87.0, 89.0, 8, True),
            row("N08", EMPLOYER, 87.0, 87.0, 9, True),
            row("N10", COMMUNITY, 85.0, 85.0, 10, n10, tie_flags(n10)),
            row("N11", COUNTY, 85.0, 85.0, 10, n11, tie_flags(n11)),
            row("N12", EMPLOYER, 83.5, 83.5, 12, False, reviews=6),
            row("N15", COUNTY, 77.17, 77.5, 13, False),
            row("N13", WORKER, None, None, None, False, ["not-rankable"], reviews=4),
            row("N14", COMMUNITY, None, None, None, False, ["not-rankable", "disagreement"], 4),
        ]
    }


@pytest.fixture(autouse=True)
def chinese_messages(monkeypatch):
    monkeypatch.setenv("ASSESS_LANG", "zh_CN")


@pytest.fixture
def runner():
    return CliRunner()


def rank(runner, *args):
    return runner.invoke(rank_nominations_command, list(args), catch_exceptions=False)


def test_top_10_leaves_the_tie_at_the_cut_line_to_the_panel(runner):
    # Nine nominees take places 1–9; N10 and N11, tied at rank 10, compete for the last place.
    result = rank(runner, "--reviews", str(DATA / "reviews_round.csv"), "--top", "10")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected_round(None, None)


def test_a_cap_of_3_per_category_resolves_that_tie(runner):
    # N01, N04, N03 fill the county cap of 3, so N11 (county) is skipped and N10 (community,
    # 2 so far) takes the 10th place alone: no cut-line tie.
    result = rank(
        runner,
        "--reviews",
        str(DATA / "reviews_round.csv"),
        "--top",
        "10",
        "--cap-per-category",
        "3",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected_round(True, False)


def test_default_top_30_selects_every_rankable_nominee(runner):
    result = rank(runner, "--reviews", str(DATA / "reviews_round.csv"))
    nominees = json.loads(result.stdout)["nominees"]
    expected = expected_round(True, True)["nominees"]
    for nominee in expected[:13]:
        nominee["selected"] = True
    assert nominees == expected


def test_a_lower_minimum_makes_four_reviews_rankable(runner):
    result = rank(runner, "--reviews", str(DATA / "reviews_round.csv"), "--min-reviews", "4")
    by_id = {n["nomination"]: n for n in json.loads(result.stdout)["nominees"]}
    # N13: (98+97+96+95)/4 = 386/4 = 96.50, now first. N14: (60+85+90+92)/4 = 327/4 = 81.75.
    assert (by_id["N13"]["score"], by_id["N13"]["rank"]) == (96.5, 1)
    assert (by_id["N14"]["score"], by_id["N14"]["flags"]) == (81.75, ["disagreement"])


def test_normalised_scores_beside_raw(runner):
    # tests/data/reviews_normalise.csv is the table worked out in
    # tests/scoring/test_nominations.py (μ_all = 75, σ_all = 10; A σ 4, B σ 8; C σ 0; D 2 reviews).
    result = rank(
        runner,
        "--reviews",
        str(DATA / "reviews_normalise.csv"),
        "--min-reviews",
        "3",
        "--normalise",
    )
    assert result.exit_code == 0, result.stderr
    got = [
        (n["nomination"], n["score"], n["raw_score"], n["median"], n["rank"], n["flags"])
        for n in json.loads(result.stdout)["nominees"]
    ]
    assert got == [
        ("N1", 77.5, 76.75, 80.0, 1, ["disagreement"]),
        ("N3", 76.67, 76.33, 80.0, 2, []),
        ("N5", 73.33, 74.33, 75.0, 3, []),
        ("N2", 72.5, 74.75, 70.0, 4, []),
        ("N4", 70.0, 72.33, 70.0, 5, ["disagreement"]),
    ]


def test_csv_output(runner):
    result = rank(
        runner, "--reviews", str(DATA / "reviews_round.csv"), "--top", "10", "--format", "csv"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "nomination,category,score,raw_score,median,reviews,rank,selected,flags",
        f"N02,{EMPLOYER},91.00,91.00,91.00,5,1,true,",
        f"N01,{COUNTY},90.00,90.00,90.00,5,2,true,",
        f"N04,{COUNTY},89.67,89.67,89.00,5,3,true,disagreement",
        f"N03,{COUNTY},89.00,89.00,89.00,5,4,true,",
        f"N05,{WORKER},88.00,88.00,88.00,5,5,true,",
        f"N06,{COMMUNITY},88.00,88.00,88.00,5,6,true,",
        f"N07,{COMMUNITY},87.67,87.67,88.00,5,7,true,",
        f"N09,{WORKER},87.00,87.00,89.00,5,8,true,",
        f"N08,{EMPLOYER},87.00,87.00,87.00,5,9,true,",
        f"N10,{COMMUNITY},85.00,85.00,85.00,5,10,,tie;cut-line-tie",
        f"N11,{COUNTY},85.00,85.00,85.00,5,10,,tie;cut-line-tie",
        f"N12,{EMPLOYER},83.50,83.50,83.50,6,12,false,",
        f"N15,{COUNTY},77.17,77.17,77.50,5,13,false,",
        f"N13,{WORKER},,,,4,,false,not-rankable",
        f"N14,{COMMUNITY},,,,4,,false,not-rankable;disagreement",
    ]
    assert list(csv.reader(io.StringIO(result.stdout)))[3][-1] == "disagreement"


def test_output_file(runner, tmp_path):
    target = tmp_path / "ranking.json"
    result = rank(runner, "--reviews", str(DATA / "reviews_round.csv"), "-o", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["nominees"][0]["nomination"] == "N02"
    assert [p.name for p in tmp_path.iterdir()] == ["ranking.json"]  # no temporary left


def test_a_bom_crlf_and_another_column_order_are_accepted(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("REVIEWS.csv").write_bytes(
        "\ufeffreviewer,total,nomination,category\r\nR1,88.5,N1,先进社区\r\nR2,90,N1,先进社区\r\n".encode()
    )
    result = rank(runner, "--reviews", "REVIEWS.csv", "--min-reviews", "2")
    assert result.exit_code == 0, result.stderr
    [nominee] = json.loads(result.stdout)["nominees"]
    # (88.5 + 90) / 2 = 89.25; median of two is the same.
    assert (nominee["nomination"], nominee["score"], nominee["median"]) == ("N1", 89.25, 89.25)


HEADER = "nomination,category,reviewer,total\n"


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        pytest.param(
            HEADER
            + "N1,先进社区,R1,80\nN1,先进社区,R2,101\nN2,先进社区,R1,-1\nN2,先进社区,R2,100\n",
            ["REVIEWS.csv:3: 总分 101 超出 0–100 范围", "REVIEWS.csv:4: 总分 -1 超出 0–100 范围"],
            id="total-outside-0-100",
        ),
        pytest.param(
            HEADER
            + "N1,先进社区,R1,abc\nN1,先进社区,R2,NaN\nN1,先进社区,R3,1e2\nN1,先进社区,R4,８０\n",
            [
                "REVIEWS.csv:2: 总分“abc”不是数字",
                "REVIEWS.csv:3: 总分“NaN”不是数字",
                "REVIEWS.csv:4: 总分“1e2”不是数字",
                "REVIEWS.csv:5: 总分“８０”不是数字",
            ],
            id="total-not-a-number",
        ),
        pytest.param(
            HEADER + "N1,先进社区,R1,80\nN2,先进社区,R1,80\nN1,先进社区,R1,85\n",
            ["REVIEWS.csv:4: 评审人 R1 对提名 N1 重复评分（首见于第 2 行）"],
            id="duplicate-reviewer",
        ),
        pytest.param(
            HEADER + "N1,先进社区,R1,80\nN1,先进学校,R2,85\n",
            ["REVIEWS.csv:3: 提名 N1 的类别“先进学校”与第 2 行的“先进社区”不一致"],
            id="two-categories",
        ),
        pytest.param(
            "nomination,category,expert,total\nN1,先进社区,R1,80\n",
            [
                "REVIEWS.csv:1: 表头应为 nomination,category,reviewer,total，"
                "实为 nomination,category,expert,total"
            ],
            id="wrong-header",
        ),
        pytest.param(
            "",
            ["REVIEWS.csv: 文件为空，应有表头 nomination,category,reviewer,total"],
            id="empty-file",
        ),
        pytest.param(HEADER, ["REVIEWS.csv: 文件中没有评分数据"], id="header-only"),
        pytest.param(
            HEADER + "N1,先进社区,R1\nN1,先进社区,R2,80,x\nN1,,R3,80\n",
            [
                "REVIEWS.csv:2: 应有 4 列，实有 3 列",
                "REVIEWS.csv:3: 应有 4 列，实有 5 列",
                "REVIEWS.csv:4: category 为空",
            ],
            id="wrong-cells",
        ),
    ],
)
def test_bad_input_exits_non_zero_with_one_message_per_bad_line(
    runner, tmp_path, monkeypatch, content, messages
):
    monkeypatch.chdir(tmp_path)
    Path("REVIEWS.csv").write_text(content, encoding="utf-8")
    result = rank(runner, "--reviews", "REVIEWS.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == messages
    assert result.stdout == ""


def test_a_file_not_in_utf8_is_refused(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("REVIEWS.csv").write_bytes((HEADER + "N1,先进社区,R1,80\n").encode("gb18030"))
    result = rank(runner, "--reviews", "REVIEWS.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["REVIEWS.csv:2: 文件不是 UTF-8 编码"]


def test_bad_input_writes_no_output_file(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("REVIEWS.csv").write_text(HEADER + "N1,先进社区,R1,120\n", encoding="utf-8")
    result = rank(runner, "--reviews", "REVIEWS.csv", "-o", "new.json")
    assert result.exit_code == 1
    assert not Path("new.json").exists()
    # Nor does it touch an earlier result.
    Path("old.json").write_text("earlier", encoding="utf-8")
    result = rank(runner, "--reviews", "REVIEWS.csv", "-o", "old.json", "--format", "csv")
    assert result.exit_code == 1
    assert Path("old.json").read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in Path().iterdir()) == ["REVIEWS.csv", "old.json"]


def test_an_output_file_that_cannot_be_written_is_reported(runner, tmp_path):
    target = tmp_path / "no-such-folder" / "ranking.json"
    result = rank(runner, "--reviews", str(DATA / "reviews_round.csv"), "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{target}: 无法写入")
    assert not target.parent.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--top", "0"],
        ["--cap-per-category", "0"],
        ["--min-reviews", "0"],
        ["--format", "xlsx"],
    ],
)
def test_bad_options_are_usage_errors(runner, args):
    result = rank(runner, "--reviews", str(DATA / "reviews_round.csv"), *args)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_missing_reviews_file_is_a_usage_error(runner, tmp_path):
    result = rank(runner, "--reviews", str(tmp_path / "missing.csv"))
    assert result.exit_code == 2
    assert rank(runner).exit_code == 2  # --reviews is required


def test_the_command_needs_neither_flask_nor_peewee():
    # The offline path must stay free of the web stack (panels run it without the app).
    tree = ast.parse(Path(offline_ranking.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }
    assert imported.isdisjoint({"flask", "peewee", "flask_babel", "assess"})
    assert "create_app" not in Path(offline_ranking.__file__).read_text(encoding="utf-8")
    assert rank_nominations_command.name == "rank-nominations"


def test_the_round_file_is_the_one_worked_out_above():
    # The expected results above depend on this exact file.
    lines = (DATA / "reviews_round.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "nomination,category,reviewer,total"
    assert len(lines) == 1 + 74
    assert len({line.split(",")[0] for line in lines[1:]}) == 15
