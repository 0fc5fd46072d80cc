#pragma once

#include "shared/Result.h"

namespace authshield::server {

class Database;

// Write transaction on the calling thread's connection (SQLite: BEGIN IMMEDIATE). Rolls back on
// destruction unless commit() succeeded. Not nestable: a second begin() on the same thread fails.
//   auto tx = Transaction::begin(db); if (!tx) return tx.error(); ...; return tx->commit();
class Transaction
{
public:
    static Result<Transaction> begin(const Database& db);

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();
    void rollback();
    bool isActive() const { return m_db != nullptr; }

private:
    explicit Transaction(const Database* db);

    const Database* m_db = nullptr;
};

} // namespace authshield::server
