"""The live quiz: its own small pipeline on the bus (the QUIZ stream, the quiz consumer, board snapshots).

`models` holds the records and the versioned events, `rules` the pure decisions (progress of the questions,
scoring, what a player may see), `leaderboard` the sorted structure behind the live board, `streams` the
stream, the board subjects and the board bucket, `consumer` the scoring consumer that owns each quiz's board.
"""
