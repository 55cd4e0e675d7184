#!/usr/bin/env python3
"""Self-test of compare.py's rules (run by parity/check-ct2 before it trusts a comparison):
a checker that passes everything would make every parity run look green."""

import importlib.util
import os
import unittest

_spec = importlib.util.spec_from_file_location(
    "compare", os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare.py"))
compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare)
diff = compare.first_difference

TRANSLATION = [{"hypotheses": [["t5", "t6"]], "scores": [-0.5], "attention": None}]


class FirstDifferenceTest(unittest.TestCase):
    def test_equal_results_agree(self):
        self.assertIsNone(diff(TRANSLATION, [dict(TRANSLATION[0])]))

    def test_float_within_tolerance_agrees(self):
        self.assertIsNone(diff([-0.5], [-0.5 + 9e-6]))

    def test_float_beyond_tolerance_names_its_path(self):
        ours = [{"hypotheses": [["t5", "t6"]], "scores": [-0.5 + 1e-4], "attention": None}]
        self.assertEqual(diff(TRANSLATION, ours), "[0].scores[0]: -0.5 vs -0.4999")

    def test_token_difference_names_its_path(self):
        ours = [{"hypotheses": [["t5", "t7"]], "scores": [-0.5], "attention": None}]
        self.assertEqual(diff(TRANSLATION, ours), '[0].hypotheses[0][1]: "t6" vs "t7"')

    def test_length_difference(self):
        self.assertEqual(diff([["a", "b"]], [["a"]]), "[0]: length 2 vs 1")

    def test_int_must_be_exact_and_an_int(self):
        self.assertEqual(diff([{"token_id": 5}], [{"token_id": 6}]), "[0].token_id: 5 vs 6")
        self.assertEqual(diff([{"token_id": 5}], [{"token_id": 5.0}]), "[0].token_id: 5 vs 5.0")

    def test_float_field_accepts_an_int_spelling(self):
        self.assertIsNone(diff([1.0], [1]))

    def test_bool_is_not_an_int(self):
        self.assertEqual(diff([{"is_last": True}], [{"is_last": 1}]), "[0].is_last: True vs 1")

    def test_null_only_matches_null(self):
        self.assertEqual(diff({"pooler_output": None}, {"pooler_output": []}),
                         "pooler_output: null vs []")
        self.assertEqual(diff({"scores": [0.0]}, {"scores": None}), "scores: [0.0] vs null")

    def test_keys_must_match(self):
        self.assertIn("missing ['scores']", diff({"scores": None, "x": 1}, {"x": 1}))

    def test_nan_and_infinity(self):
        self.assertIsNone(diff([float("nan"), float("-inf")], [float("nan"), float("-inf")]))
        self.assertIsNotNone(diff([float("-inf")], [-1e30]))


class CompareCaseTest(unittest.TestCase):
    def test_errors(self):
        self.assertIsNone(compare.compare_case({"error": "a"}, {"error": "b"}))
        self.assertIn("reference raised", compare.compare_case({"error": "a"}, {"result": []}))
        self.assertIn("ours raised", compare.compare_case({"result": []}, {"error": "b"}))
        self.assertEqual(compare.compare_case({"result": []}, None), "missing from ours")


if __name__ == "__main__":
    unittest.main()
