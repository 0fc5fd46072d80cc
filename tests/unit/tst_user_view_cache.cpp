#include "server/accounts/UserViewCache.h"

#include <QTest>
#include <QUuid>

using authshield::server::User;
using authshield::server::UserViewCache;

namespace {
// Fresh ids per test: the cache is process-wide.
QString newUserId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

UserViewCache::View viewNamed(const QString& id, const QString& name)
{
    User user;
    user.id = id;
    user.displayName = name;
    return UserViewCache::View { user, { QStringLiteral("admin") } };
}
} // namespace

// The view GET /users/me is served from without a database round trip.
class TestUserViewCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void servesAStoredViewWhileFresh_data()
    {
        QTest::addColumn<qint64>("ageMs");
        QTest::addColumn<bool>("served");
        QTest::addRow("just stored") << qint64(0) << true;
        QTest::addRow("just under the freshness window") << UserViewCache::kFreshMs - 1 << true;
        QTest::addRow("at the freshness window") << UserViewCache::kFreshMs << false;
        QTest::addRow("long stale") << qint64(60000) << false;
        QTest::addRow("clock went backwards") << qint64(-1) << false;
    }

    void servesAStoredViewWhileFresh()
    {
        QFETCH(qint64, ageMs);
        QFETCH(bool, served);
        const QString id = newUserId();
        const qint64 storedAt = 1'000'000;
        UserViewCache::instance().store(id, viewNamed(id, QStringLiteral("Ada")), storedAt);
        const std::optional<UserViewCache::View> view = UserViewCache::instance().find(id, storedAt + ageMs);
        QCOMPARE(view.has_value(), served);
        if (served) {
            QCOMPARE(view->user.displayName, QStringLiteral("Ada"));
            QCOMPARE(view->roles, QStringList { QStringLiteral("admin") });
        }
    }

    void anUnknownUserIsNotServed()
    {
        QVERIFY(!UserViewCache::instance().find(newUserId(), 1'000'000));
    }

    void invalidatingDropsOnlyThatUser()
    {
        const QString changed = newUserId();
        const QString other = newUserId();
        UserViewCache::instance().store(changed, viewNamed(changed, QStringLiteral("Old")), 1'000'000);
        UserViewCache::instance().store(other, viewNamed(other, QStringLiteral("Other")), 1'000'000);
        UserViewCache::instance().invalidate(changed);
        QVERIFY(!UserViewCache::instance().find(changed, 1'000'001));
        QCOMPARE(UserViewCache::instance().find(other, 1'000'001)->user.displayName, QStringLiteral("Other"));
    }

    void aNewerStoreReplacesTheView()
    {
        const QString id = newUserId();
        UserViewCache::instance().store(id, viewNamed(id, QStringLiteral("Old")), 1'000'000);
        UserViewCache::instance().store(id, viewNamed(id, QStringLiteral("New")), 1'000'500);
        QCOMPARE(UserViewCache::instance().find(id, 1'001'000)->user.displayName, QStringLiteral("New"));
    }
};

QTEST_GUILESS_MAIN(TestUserViewCache)
#include "tst_user_view_cache.moc"
