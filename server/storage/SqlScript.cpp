#include "server/storage/SqlScript.h"

namespace authshield::server {

namespace {

bool isWordStart(QChar c)
{
    return c.isLetter() || c == QLatin1Char('_');
}

bool isWordChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('$');
}

} // namespace

QStringList SqlScript::split(const QString& sql)
{
    QStringList statements;
    QString current;
    bool hasCode = false; // current holds more than whitespace and comments
    QString firstWord;
    int blockDepth = 0;
    const qsizetype n = sql.size();

    auto finish = [&]() {
        if (hasCode)
            statements << current.trimmed();
        current.clear();
        hasCode = false;
        firstWord.clear();
        blockDepth = 0;
    };

    qsizetype i = 0;
    while (i < n) {
        const QChar c = sql.at(i);
        const QChar next = i + 1 < n ? sql.at(i + 1) : QChar();
        if (c == QLatin1Char('-') && next == QLatin1Char('-')) {
            const qsizetype end = sql.indexOf(QLatin1Char('\n'), i);
            const qsizetype stop = end < 0 ? n : end + 1;
            current += sql.mid(i, stop - i);
            i = stop;
            continue;
        }
        if (c == QLatin1Char('/') && next == QLatin1Char('*')) {
            const qsizetype end = sql.indexOf(QStringLiteral("*/"), i + 2);
            const qsizetype stop = end < 0 ? n : end + 2;
            current += sql.mid(i, stop - i);
            i = stop;
            continue;
        }
        if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            // A doubled quote inside is an escaped quote: the scan simply re-enters the same state.
            const qsizetype end = sql.indexOf(c, i + 1);
            const qsizetype stop = end < 0 ? n : end + 1;
            current += sql.mid(i, stop - i);
            hasCode = true;
            i = stop;
            continue;
        }
        if (c == QLatin1Char('$') && (i == 0 || !isWordChar(sql.at(i - 1)))) {
            qsizetype j = i + 1;
            while (j < n && (sql.at(j).isLetterOrNumber() || sql.at(j) == QLatin1Char('_')))
                ++j;
            const bool tagValid = j < n && sql.at(j) == QLatin1Char('$')
                && (j == i + 1 || !sql.at(i + 1).isDigit()); // $1 is a parameter, not a tag
            if (tagValid) {
                const QString tag = sql.mid(i, j - i + 1);
                const qsizetype end = sql.indexOf(tag, j + 1);
                const qsizetype stop = end < 0 ? n : end + tag.size();
                current += sql.mid(i, stop - i);
                hasCode = true;
                i = stop;
                continue;
            }
        }
        if (isWordStart(c) && (i == 0 || !isWordChar(sql.at(i - 1)))) {
            qsizetype j = i;
            while (j < n && isWordChar(sql.at(j)))
                ++j;
            const QString word = sql.mid(i, j - i).toUpper();
            if (firstWord.isEmpty())
                firstWord = word;
            else if (firstWord == QStringLiteral("CREATE")) {
                if (word == QStringLiteral("BEGIN") || word == QStringLiteral("CASE"))
                    ++blockDepth;
                else if (word == QStringLiteral("END") && blockDepth > 0)
                    --blockDepth;
            }
            current += sql.mid(i, j - i);
            hasCode = true;
            i = j;
            continue;
        }
        if (c == QLatin1Char(';') && blockDepth == 0) {
            finish();
            ++i;
            continue;
        }
        current += c;
        if (!c.isSpace())
            hasCode = true;
        ++i;
    }
    finish();
    return statements;
}

} // namespace authshield::server
