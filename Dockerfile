# Relais: the Telegram bot, with the bundled knowledge/ and a mounted data/ volume.
#   docker build -t relais .
#   docker run -e RELAIS_TOKEN=… -e RELAIS_SECRET=… -v "$PWD/data:/app/data" relais
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RELAIS_DB=/app/data/relais.sqlite3 \
    RELAIS_KNOWLEDGE=/app/knowledge

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --create-home --uid 10001 relais \
    && mkdir -p /app/data && chown relais:relais /app/data
COPY knowledge ./knowledge

USER relais
VOLUME ["/app/data"]
CMD ["python", "-m", "bot", "run"]
