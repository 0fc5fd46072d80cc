#pragma once

#include <QMessageBox>
#include <QString>
#include <QWidget>

#include <functional>

namespace authshield::console {

// Asks the user to confirm a destructive action; pages take one so tests can answer without a modal dialog.
using Confirmer = std::function<bool(QWidget* parent, const QString& title, const QString& question)>;

inline Confirmer messageBoxConfirmer()
{
    return [](QWidget* parent, const QString& title, const QString& question) {
        return QMessageBox::question(parent, title, question, QMessageBox::Yes | QMessageBox::Cancel,
                                     QMessageBox::Cancel)
               == QMessageBox::Yes;
    };
}

} // namespace authshield::console
