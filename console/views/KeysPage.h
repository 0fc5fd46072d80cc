#pragma once

#include "console/views/ConsolePage.h"

#include <functional>

class QPushButton;
class QTableView;

namespace authshield::console {

class JsonTableModel;

// Signing keys (kid, algorithm, created, status) and Rotate, after a confirmation that says what rotating does.
class KeysPage : public ConsolePage
{
    Q_OBJECT

public:
    KeysPage(ApiClient* api, QWidget* parent);

    QString title() const override { return QStringLiteral("Keys"); }
    void refresh() override;
    void saveState(QSettings& settings) const override;
    void restoreState(QSettings& settings) override;

    JsonTableModel* model() const { return m_model; }
    // Asks the user; tests replace it. Returns true to go ahead.
    using Confirm = std::function<bool(const QString& question)>;
    void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }
    void rotate();

private:
    JsonTableModel* m_model;
    QTableView* m_table = nullptr;
    QPushButton* m_rotateButton = nullptr;
    Confirm m_confirm;
};

} // namespace authshield::console
