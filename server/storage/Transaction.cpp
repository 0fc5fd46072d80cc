#include "server/storage/Transaction.h"

#include "server/storage/Database.h"

namespace authshield::server {

Result<Transaction> Transaction::begin(const Database& db)
{
    if (db.inTransaction())
        return Error::make(ErrorCode::Internal, QStringLiteral("a transaction is already open on this thread"));
    if (auto started = db.exec(db.dialect().beginWriteTransaction()); !started)
        return started.error();
    db.setInTransaction(true);
    return Transaction(&db);
}

Transaction::Transaction(const Database* db)
    : m_db(db)
{
}

Transaction::Transaction(Transaction&& other) noexcept
    : m_db(other.m_db)
{
    other.m_db = nullptr;
}

Transaction::~Transaction()
{
    rollback();
}

Result<void> Transaction::commit()
{
    if (!m_db)
        return Error::make(ErrorCode::Internal, QStringLiteral("commit without an open transaction"));
    const Database* db = m_db;
    auto committed = db->exec(db->dialect().commitTransaction());
    if (!committed) {
        // SQLite keeps the transaction open when COMMIT fails (e.g. busy); end it so the connection is usable.
        rollback();
        return committed.error();
    }
    db->setInTransaction(false);
    m_db = nullptr;
    return success();
}

void Transaction::rollback()
{
    if (!m_db)
        return;
    const Database* db = m_db;
    m_db = nullptr;
    db->setInTransaction(false);
    // Failure means the connection is gone, and the server has rolled back already.
    (void)db->exec(db->dialect().rollbackTransaction());
}

} // namespace authshield::server
