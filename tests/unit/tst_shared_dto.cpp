#include "shared/dto/ApiErrorDto.h"
#include "shared/dto/Readiness.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace authshield;

namespace {
QJsonObject parse(const char* json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}
} // namespace

// The DTOs server and console share: what a valid answer reads as, and which field a broken one names.
class TestSharedDto : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readiness_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("badField"); // empty: valid

        QTest::addRow("ready, two dependencies")
            << QByteArray(R"({"status":"ready","checks":{"database":{"status":"up","latency_ms":0.42,"backend":"sqlite"},)"
                          R"("redis":{"status":"up","latency_ms":0,"backend":"in-process"}}})")
            << QString();
        QTest::addRow("unavailable with a detail")
            << QByteArray(R"({"status":"unavailable","checks":{"database":{"status":"down","latency_ms":5001.5,)"
                          R"("backend":"postgresql","detail":"connection refused"}}})")
            << QString();
        QTest::addRow("no dependencies") << QByteArray(R"({"status":"ready","checks":{}})") << QString();
        QTest::addRow("empty object") << QByteArray("{}") << QStringLiteral("status");
        QTest::addRow("status is a number") << QByteArray(R"({"status":1,"checks":{}})") << QStringLiteral("status");
        QTest::addRow("status is unknown") << QByteArray(R"({"status":"fine","checks":{}})") << QStringLiteral("status");
        QTest::addRow("checks missing") << QByteArray(R"({"status":"ready"})") << QStringLiteral("checks");
        QTest::addRow("checks is an array") << QByteArray(R"({"status":"ready","checks":[]})") << QStringLiteral("checks");
        QTest::addRow("check is a string")
            << QByteArray(R"({"status":"ready","checks":{"database":"up"}})") << QStringLiteral("checks.database");
        QTest::addRow("check status missing")
            << QByteArray(R"({"status":"ready","checks":{"database":{"latency_ms":1,"backend":"sqlite"}}})")
            << QStringLiteral("checks.database.status");
        QTest::addRow("check status is a boolean")
            << QByteArray(R"({"status":"ready","checks":{"database":{"status":true,"latency_ms":1,"backend":"sqlite"}}})")
            << QStringLiteral("checks.database.status");
        QTest::addRow("latency is a string")
            << QByteArray(R"({"status":"ready","checks":{"redis":{"status":"up","latency_ms":"1","backend":"redis"}}})")
            << QStringLiteral("checks.redis.latency_ms");
        QTest::addRow("latency is negative")
            << QByteArray(R"({"status":"ready","checks":{"redis":{"status":"up","latency_ms":-1,"backend":"redis"}}})")
            << QStringLiteral("checks.redis.latency_ms");
        QTest::addRow("latency missing")
            << QByteArray(R"({"status":"ready","checks":{"redis":{"status":"up","backend":"redis"}}})")
            << QStringLiteral("checks.redis.latency_ms");
        QTest::addRow("backend missing")
            << QByteArray(R"({"status":"ready","checks":{"redis":{"status":"up","latency_ms":1}}})")
            << QStringLiteral("checks.redis.backend");
        QTest::addRow("detail is an object")
            << QByteArray(R"({"status":"ready","checks":{"redis":{"status":"up","latency_ms":1,"backend":"redis",)"
                          R"("detail":{}}}})")
            << QStringLiteral("checks.redis.detail");
    }

    void readiness()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, badField);
        const QJsonObject object = QJsonDocument::fromJson(json).object();
        const Result<ReadinessReport> report = ReadinessReport::fromJson(object);
        if (badField.isEmpty()) {
            QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error().message));
            QCOMPARE(report->toJson(), object); // one definition: what is read writes back identically
            return;
        }
        QVERIFY(!report.ok());
        QCOMPARE(report.error().code, ErrorCode::ValidationFailed);
        QCOMPARE(report.error().fields.keys(), QStringList{badField});
        QVERIFY2(report.error().message.contains(badField), qPrintable(report.error().message));
    }

    void readinessReadsEachField()
    {
        const Result<ReadinessReport> report = ReadinessReport::fromJson(
            parse(R"({"status":"unavailable","checks":{"database":{"status":"down","latency_ms":12.5,)"
                  R"("backend":"postgresql","detail":"timeout"},"redis":{"status":"up","latency_ms":0.3,"backend":"redis"}}})"));
        QVERIFY(report.ok());
        QVERIFY(!report->ready);
        QCOMPARE(report->dependencies.size(), 2);
        const DependencyReadiness* database = report->dependency(QStringLiteral("database"));
        QVERIFY(database);
        QVERIFY(!database->up);
        QCOMPARE(database->latencyMs, 12.5);
        QCOMPARE(database->backend, QStringLiteral("postgresql"));
        QCOMPARE(database->detail, QStringLiteral("timeout"));
        const DependencyReadiness* redis = report->dependency(QStringLiteral("redis"));
        QVERIFY(redis);
        QVERIFY(redis->up);
        QVERIFY(redis->detail.isEmpty());
        QVERIFY(!report->dependency(QStringLiteral("smtp")));
    }

    void errorEnvelope_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("badField");

        QTest::addRow("full envelope")
            << QByteArray(R"({"error":{"code":"validation_failed","message":"Check the fields.","request_id":"r-1",)"
                          R"("fields":{"email":"is not an email address"}}})")
            << QString();
        QTest::addRow("without request id or fields")
            << QByteArray(R"({"error":{"code":"not_found","message":"No such route."}})") << QString();
        QTest::addRow("unknown code from a newer server")
            << QByteArray(R"({"error":{"code":"quantum_flux","message":"New."}})") << QString();
        QTest::addRow("not an envelope") << QByteArray(R"({"status":"ready"})") << QStringLiteral("error");
        QTest::addRow("error is a string") << QByteArray(R"({"error":"boom"})") << QStringLiteral("error");
        QTest::addRow("code missing") << QByteArray(R"({"error":{"message":"x"}})") << QStringLiteral("error.code");
        QTest::addRow("code is a number")
            << QByteArray(R"({"error":{"code":404,"message":"x"}})") << QStringLiteral("error.code");
        QTest::addRow("code is empty")
            << QByteArray(R"({"error":{"code":"","message":"x"}})") << QStringLiteral("error.code");
        QTest::addRow("message missing") << QByteArray(R"({"error":{"code":"not_found"}})") << QStringLiteral("error.message");
        QTest::addRow("request id is a number")
            << QByteArray(R"({"error":{"code":"not_found","message":"x","request_id":7}})")
            << QStringLiteral("error.request_id");
        QTest::addRow("fields is an array")
            << QByteArray(R"({"error":{"code":"validation_failed","message":"x","fields":["email"]}})")
            << QStringLiteral("error.fields");
        QTest::addRow("field reason is a number")
            << QByteArray(R"({"error":{"code":"validation_failed","message":"x","fields":{"email":1}}})")
            << QStringLiteral("error.fields.email");
    }

    void errorEnvelope()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, badField);
        const QJsonObject object = QJsonDocument::fromJson(json).object();
        const Result<ApiErrorDto> dto = ApiErrorDto::fromJson(object);
        if (badField.isEmpty()) {
            QVERIFY2(dto.ok(), qPrintable(dto.ok() ? QString() : dto.error().message));
            QCOMPARE(dto->toJson(), object);
            return;
        }
        QVERIFY(!dto.ok());
        QCOMPARE(dto.error().code, ErrorCode::ValidationFailed);
        QCOMPARE(dto.error().fields.keys(), QStringList{badField});
    }

    void errorEnvelopeReadsEachField()
    {
        const Result<ApiErrorDto> dto = ApiErrorDto::fromJson(
            parse(R"({"error":{"code":"validation_failed","message":"Check the fields.","request_id":"r-1",)"
                  R"("fields":{"email":"is not an email address","password":"is too short"}}})"));
        QVERIFY(dto.ok());
        QCOMPARE(dto->knownCode(), std::optional<ErrorCode>(ErrorCode::ValidationFailed));
        QCOMPARE(dto->message, QStringLiteral("Check the fields."));
        QCOMPARE(dto->requestId, QStringLiteral("r-1"));
        QCOMPARE(dto->fields.value(QStringLiteral("password")), QStringLiteral("is too short"));
        QCOMPARE(dto->fields.size(), 2);

        const Result<ApiErrorDto> unknown = ApiErrorDto::fromJson(parse(R"({"error":{"code":"quantum_flux","message":""}})"));
        QVERIFY(unknown.ok());
        QCOMPARE(unknown->code, QStringLiteral("quantum_flux"));
        QVERIFY(!unknown->knownCode().has_value());
    }

    void everyErrorCodeNameReadsBack()
    {
        for (int i = 0; i <= static_cast<int>(ErrorCode::Internal); ++i) {
            const auto code = static_cast<ErrorCode>(i);
            QCOMPARE(errorCodeFromName(errorCodeName(code)), std::optional<ErrorCode>(code));
        }
        QVERIFY(!errorCodeFromName(QStringLiteral("NOT_FOUND")).has_value()); // names are exact, lower case
    }
};

QTEST_GUILESS_MAIN(TestSharedDto)
#include "tst_shared_dto.moc"
