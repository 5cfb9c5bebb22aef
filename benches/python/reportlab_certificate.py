"""The same one-page certificate (form 1) drawn with ReportLab and the same
font (IPAex Mincho, embedded as a subset), for the side-by-side benchmark of
issue 6. Prints certificates per second and the PDF size.

    python -m pip install reportlab
    python benches/python/reportlab_certificate.py [N]
"""

import io
import sys
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = Path(__file__).resolve().parents[2] / "core" / "data" / "fonts" / "ipaexm.ttf"
pdfmetrics.registerFont(TTFont("IPAexMincho", str(FONT)))

ROWS = [
    ("麻しん風しん混合", "第1回", "令和元年5月1日", "AB12C", "千代田区立こども診療所"),
    ("新型コロナウイルス感染症", "第3回", "令和6年2月1日", "—", "丸の内記念会 東京駅前内科"),
]


def certificate() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.setLineWidth(1.6)
    c.rect(14 * mm, 14 * mm, 182 * mm, 269 * mm)
    c.setLineWidth(0.4)
    c.rect(16.2 * mm, 16.2 * mm, 177.6 * mm, 264.6 * mm)
    c.setFont("IPAexMincho", 9)
    c.drawString(22 * mm, 270 * mm, "様式第一号")
    c.drawRightString(188 * mm, 270 * mm, "証明書番号　131016-2025-001")
    c.setFont("IPAexMincho", 26)
    c.drawCentredString(105 * mm, 250 * mm, "予 防 接 種 済 証")
    y = 237
    for label, value in [("氏　　名", "髙橋 吉子"), ("ふりがな", "タカハシ ヨシコ"), ("生年月日", "平成2年5月1日")]:
        y -= 10
        c.setLineWidth(0.5)
        c.line(22 * mm, y * mm, 188 * mm, y * mm)
        c.setFont("IPAexMincho", 10)
        c.drawString(24 * mm, (y + 3.3) * mm, label)
        c.setFont("IPAexMincho", 13)
        c.drawString(68 * mm, (y + 3) * mm, value)
    cols = [22, 70, 84, 124, 146, 188]
    y -= 19
    c.setFont("IPAexMincho", 9)
    for i, h in enumerate(["ワクチンの種類", "接種回", "接種年月日", "ロット番号", "接種医療機関"]):
        c.drawCentredString((cols[i] + cols[i + 1]) / 2 * mm, (y + 3) * mm, h)
    for row in ROWS:
        y -= 9
        c.line(22 * mm, (y + 9) * mm, 188 * mm, (y + 9) * mm)
        c.setFont("IPAexMincho", 10)
        for i, cell in enumerate(row):
            c.drawString((cols[i] + 1.5) * mm, (y + 3) * mm, cell)
    for x in cols:
        c.line(x * mm, (y + 27) * mm, x * mm, y * mm)
    c.setFont("IPAexMincho", 12)
    c.drawString(26 * mm, (y - 14) * mm, "上記の者は、予防接種法による予防接種を受けたことを証明します。")
    c.drawString(36 * mm, (y - 30) * mm, "令和7年4月1日")
    c.setFont("IPAexMincho", 15)
    c.drawRightString(162 * mm, (y - 46) * mm, "千代田区長　千代田　太郎")
    c.rect(166 * mm, (y - 52) * mm, 18 * mm, 18 * mm)
    c.showPage()
    c.save()
    return out.getvalue()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    size = len(certificate())
    start = time.perf_counter()
    for _ in range(n):
        certificate()
    elapsed = time.perf_counter() - start
    print(f"reportlab: {n / elapsed:.1f} certificates/s ({elapsed / n * 1000:.2f} ms each), {size} bytes")


if __name__ == "__main__":
    main()
