"""Shared fixtures: a small knowledge base of the tests' own, independent of the real one."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
REAL_KB = PROJECT_ROOT / "knowledge" / "faq_ar.yaml"

SMALL_KB = """\
meta:
  title: مكتبة الحي
  source: "دليل مكتبة الحي، 2020"
texts:
  fallback: لا أملك هذه المعلومة.
  related: "قد تهمك هذه الأسئلة:"
categories:
  library: عن المكتبة
  services: الخدمات
entries:
  - id: opening
    category: library
    question: متى تفتح المكتبة؟
    alternatives: [ما هي أوقات عمل المكتبة, فوقاش كتحل المكتبة]
    answer: تفتح المكتبة من التاسعة صباحا إلى السادسة مساء.
    follow_up: [borrowing]
    source: الدليل، الصفحة 1
  - id: borrowing
    category: services
    question: كيف أستعير كتابا من المكتبة؟
    alternatives: [كيفاش نسلف كتاب, شروط إعارة الكتب]
    answer: تستعير حتى ثلاثة كتب لمدة أسبوعين ببطاقة المكتبة.
    source: الدليل، الصفحة 2
  - id: children
    category: services
    question: هل توجد أنشطة للأطفال في المكتبة؟
    alternatives: [ورشات القراءة للصغار, واش كاين شي نشاط للدراري]
    answer: تنظم المكتبة ورشة للحكي لفائدة الأطفال كل يوم أربعاء.
    source: الدليل، الصفحة 3
smalltalk:
  - id: greeting
    patterns: [السلام عليكم, salam, bonjour]
    replies: [وعليكم السلام!]
"""


@pytest.fixture
def small_kb_path(tmp_path: Path) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(SMALL_KB, encoding="utf-8")
    return path


needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")


@pytest.fixture(autouse=True)
def _question_log_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run by the tests (ask, chat) log to a temporary file, never to data/."""
    monkeypatch.setenv("FAQ_DB", str(tmp_path / "questions.sqlite3"))
