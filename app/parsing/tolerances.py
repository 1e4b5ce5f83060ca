"""Every tolerance of the parser in one place: how long a cell may be and still be a label
or a heading, how far from the template's wording a label may stray, how far a reader looks
around a cell, how large a figure may be, and how long the split search may take. Lengths
count characters of a cell's squashed text (labels.squash) unless said otherwise.

The readers take them from `TOLERANCES`; a change here is a change of behaviour, to be
checked on the corpus (bench/accuracy.py) like any other parser change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tolerances:
    # which template: header hints are sought in cells of this many characters
    hint_cell_len: tuple[int, int] = (4, 40)

    # where the tables are
    heading_len: int = 60  # a section 二 heading (第二十条 / 信息内容) is shorter (a longer cell is prose)
    anchor_len: int = 40  # so is section 三's first row label (本年新收政府信息公开申请…), unless cut from a flattened table
    review_header_len: int = 80  # a section 四 header cell, all header words (a whole header row in one cell)

    # section 二 labels
    active_label_len: int = 12  # a cell this long at most is matched whole against the aliases
    active_fuzzy_len: int = 6  # aliases this long forgive one slip (within_one_edit)
    unit_header_cells: int = 11  # cells looked back from an amount row's label for its 单位 / 金额 header
    box_headers: int = 4  # header cells allowed between a run of labels and their numbers (box by box)
    box_header_len: int = 20  # … each at most this long
    box_run_cells: int = 24  # cells a run of one-column labels and their headers may span (a real one: under 10)

    # section 三 labels
    app_label_len: int = 60  # a longer cell is prose, unless cut from a flattened table
    prefix_alias_len: int = 2  # a cell may start with an alias this long or longer …
    label_note_len: int = 30  # … and run on this much past it (a note: 部分公开（区分处理的…）)
    broken_label_len: int = 5  # a cell this long may be the first part of a label broken over lines
    app_fuzzy_len: int = 5  # aliases this long forgive one slip
    glued_label_len: int = 3  # a text cut from a flattened table, at least this long, may end with …
    glued_alias_len: int = 4  # … an alias this long or longer

    # bounds on work (app/parsing/budget.py holds the bounds on what a parse reads)
    remembered_walk: int = 8  # a walk along a line past this many cells is remembered for each of them

    # values
    cell_len: int = 80  # a longer cell is no number
    number_digits: int = 60  # digits of a number cell (run-together rows are long; figures are bounded below)
    max_figure: int = 10**12  # no count or 万元 amount in these reports comes near this
    split_part_digits: int = 9  # digits of one part of a run-together digit string
    split_steps: int = 200_000  # the split search gives up after this many steps
    split_limit: int = 8  # splits sought at most (more than one already means ambiguous)
    note_prior_rate: float = 0.9  # section 二 numbers placed by their notes' words must keep the priors this sure

    # metadata: lines of the normalised text
    head_lines: int = 40  # the crawler header and the title stand in these first lines
    title_len: int = 80  # a longer line is no title (or the whole text run together)
    title_first_line_len: int = 30  # a title broken over two lines: its first line at most this long
    period_lines: int = 80  # the statistics period (统计期限…) is stated in these first lines
    agency_lines: int = 30  # a sentence naming the agency stands in these first lines …
    agency_line_len: int = 8  # … and is at least this long
    signature_lines: int = 12  # a date alone on a line: among these first and last lines …
    signature_len: tuple[int, int] = (6, 16)  # … this long
    place_head_lines: int = 60  # the context that places an agency: these first lines …
    place_tail_lines: int = 20  # … and these last ones


TOLERANCES = Tolerances()
