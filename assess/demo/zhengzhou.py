"""Zhengzhou's county-level units: plain data shared by the demo loader and the report
samples (no imports, so pure code can use it)."""

# Real administrative codes where they exist; the four functional zones have none.
COUNTIES = (
    ("410102", "中原区"),
    ("410103", "二七区"),
    ("410104", "管城回族区"),
    ("410105", "金水区"),
    ("410106", "上街区"),
    ("410108", "惠济区"),
    ("410122", "中牟县"),
    ("410181", "巩义市"),
    ("410182", "荥阳市"),
    ("410183", "新密市"),
    ("410184", "新郑市"),
    ("410185", "登封市"),
    ("zz-zdxq", "郑东新区"),
    ("zz-gxq", "高新区"),
    ("zz-jkq", "经开区"),
    ("zz-hkgq", "航空港区"),
)
