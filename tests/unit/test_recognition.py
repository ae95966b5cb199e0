"""pgmviz.evaluation.recognition: the confusion matrix, its largest mistakes, reads per frame."""

from __future__ import annotations

import numpy as np

from pgmviz.evaluation import recognition


def test_confusion_matrix_counts_each_pair():
    conf = recognition.confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 0, 0, 2]), 3)
    assert conf.tolist() == [[1, 1, 0], [0, 1, 0], [2, 0, 1]]
    assert conf.sum() == 6


def test_top_confusions_skip_the_diagonal_largest_first():
    conf = np.array([[50, 3, 0], [1, 40, 7], [5, 0, 90]])
    assert recognition.top_confusions(conf, 3) == [(1, 2, 7), (2, 0, 5), (0, 1, 3)]
    assert recognition.confusions_sentence(conf, 2) == "1 read as 2 (7 times), 2 read as 0 (5 times)"


class _Reader:
    """Reads a drawing as the index of its brightest pixel."""

    def read(self, X):
        return np.argmax(X, axis=1)


def test_reads_per_frame_counts_the_drawings_read_as_their_label():
    labels = np.array([0, 1, 2])
    frames = np.stack([np.eye(3), np.eye(3)[[0, 2, 1]], np.eye(3)[[1, 2, 0]]])  # 3, 1, 0 read right
    assert recognition.reads_per_frame(_Reader(), frames, labels).tolist() == [3, 1, 0]
