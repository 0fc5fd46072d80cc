#pragma once

#include "shared/ErrorCode.h"

#include <QMap>
#include <QString>

#include <utility>
#include <variant>

namespace authshield {

// A failure a caller can act on: a code from the API contract, a human message, and per-field reasons
// for validation errors (they become the envelope's "fields").
struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QMap<QString, QString> fields;

    static Error make(ErrorCode code, QString message) { return Error{code, std::move(message), {}}; }
};

// Value or Error. Domain services return this instead of throwing; handlers translate it to HTTP.
template<typename T>
class [[nodiscard]] Result
{
public:
    Result(T value)
        : m_data(std::move(value))
    {
    }
    Result(Error error)
        : m_data(std::move(error))
    {
    }

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }

    const T& value() const& { return std::get<T>(m_data); }
    T& value() & { return std::get<T>(m_data); }
    T&& value() && { return std::get<T>(std::move(m_data)); }
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }

    const Error& error() const { return std::get<Error>(m_data); }

private:
    std::variant<T, Error> m_data;
};

template<>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
        , m_ok(false)
    {
    }

    bool ok() const { return m_ok; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

inline Result<void> success()
{
    return {};
}

} // namespace authshield
