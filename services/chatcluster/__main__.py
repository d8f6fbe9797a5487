from chatcluster.cli import app

app()
