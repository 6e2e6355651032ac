"""How large a YAML document is once its aliases are expanded, counted without expanding it.

An alias (``*a``) repeats the node its anchor (``&a``) names: nine lines of aliases to aliases
("billion laughs") stand for a billion nodes, which the reader shares but anything that walks
the result (validation, JSON) expands. The count goes over each distinct node once, memoised,
so it takes time in the size of the text. A node met again inside itself (an alias into its
own node) counts once: the cycle is left to whatever reads the data, as YAML allows it.
"""

from __future__ import annotations

import yaml

MAX_NODES = 100_000  # a large policy holds a few thousand
MAX_CHARS = 4 * 1024 * 1024  # the text of every scalar, counted each time it is repeated


class TooLarge(ValueError):
    """The expanded document holds more nodes or text than allowed."""


def check_expanded_size(root: yaml.Node) -> None:
    """Raise ``TooLarge`` when ``root`` expanded holds over ``MAX_NODES`` nodes or
    ``MAX_CHARS`` characters of scalar text."""
    sizes: dict[int, tuple[int, int]] = {}
    nodes, chars = _size(root, sizes)
    if nodes > MAX_NODES:
        raise TooLarge(f"aliases expand the document past {MAX_NODES:,} nodes")
    if chars > MAX_CHARS:
        raise TooLarge(f"aliases expand the document past {MAX_CHARS:,} characters")


_OVER = (MAX_NODES + 1, MAX_CHARS + 1)  # the most a node is counted as: past both limits


def _size(node: yaml.Node, sizes: dict[int, tuple[int, int]]) -> tuple[int, int]:
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = (1, 0)  # met again while counting itself: counted once
    if isinstance(node, yaml.ScalarNode):
        size = (1, len(str(node.value)))
    else:
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        nodes, chars = 1, 0
        for child in children:
            child_nodes, child_chars = _size(child, sizes)
            nodes, chars = nodes + child_nodes, chars + child_chars
            if nodes > MAX_NODES or chars > MAX_CHARS:
                break
        size = (min(nodes, _OVER[0]), min(chars, _OVER[1]))
    sizes[id(node)] = size
    return size
