"""Chat-message sentiment: a fast folded logistic regression trained on VADER's human-rated corpora.

``corpus`` fetches and splits the data, ``features`` turns text into token ids and context
flags, ``model`` trains / folds / serves, ``provision`` loads the current model (training it
first when there is none), ``evaluate`` compares with VADER and TextBlob, and ``cli`` is the
``chatcluster model`` sub-command.
"""
