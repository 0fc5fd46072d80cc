#pragma once

#include "console/api/AdminClient.h"
#include "console/views/ConsolePage.h"

#include <QNetworkReply>
#include <QPointer>

#include <functional>
#include <memory>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSaveFile;
class QSplitter;
class QTableView;
class QTimer;

namespace authshield::console {

class AuditTableModel;

// The audit log: filters (type, actor, subject, IP, time range), follow mode that polls for the newest events,
// the selected event as JSON, a streamed export to a file (CSV or NDJSON) with progress and Cancel, and a check
// of the hash chain.
class AuditPage : public ConsolePage
{
    Q_OBJECT

public:
    // Where to save an export; an empty answer cancels. Tests answer without a dialog.
    using FileChooser = std::function<QString(QWidget* parent, const QString& suggestedName, const QString& filter)>;

    AuditPage(ApiClient* api, QWidget* parent);
    ~AuditPage() override;

    QString title() const override { return tr("Audit log"); }
    void refresh() override;
    void focusSearch() override;
    void saveState(QSettings& settings) const override;
    void restoreState(QSettings& settings) override;

    void setFileChooser(FileChooser chooser) { m_chooser = std::move(chooser); }
    void setFollowInterval(int milliseconds);
    AuditTableModel* model() const { return m_model; }
    AuditFilter filterFromFields() const;

    // Streams the export of the current filter into `path` (written under a temporary name, renamed at the end;
    // nothing is left behind on cancel or failure). format: "csv" or "ndjson".
    bool startExport(const QString& path, const QString& format);
    void cancelExport();
    bool isExporting() const { return m_reply != nullptr; }
    QString errorText() const;

Q_SIGNALS:
    void exportProgress(qint64 bytes, qint64 lines);
    void exportFinished(bool completed, const QString& path);
    void verifyFinished(bool ok);

private:
    void applyFilter();
    void showSelected();
    void chooseAndExport();
    void verifyChain();
    void endExport(bool completed, const QString& message);
    void showError(const ApiError& error);

    std::unique_ptr<AdminClient> m_client;
    AuditTableModel* m_model;
    FileChooser m_chooser;
    QLineEdit* m_type;
    QLineEdit* m_actor;
    QLineEdit* m_subject;
    QLineEdit* m_ip;
    QCheckBox* m_fromEnabled;
    QDateTimeEdit* m_from;
    QCheckBox* m_toEnabled;
    QDateTimeEdit* m_to;
    QPushButton* m_apply;
    QCheckBox* m_follow;
    QTimer* m_poll;
    QTableView* m_table;
    QPlainTextEdit* m_detail;
    QSplitter* m_splitter;
    QComboBox* m_format;
    QPushButton* m_export;
    QProgressBar* m_progress;
    QLabel* m_exportStatus;
    QPushButton* m_cancel;
    QPushButton* m_verify;
    QLabel* m_verifyResult;
    QLabel* m_error;

    QPointer<QNetworkReply> m_reply;
    std::unique_ptr<QSaveFile> m_file;
    QString m_exportPath;
    qint64 m_bytes = 0;
    qint64 m_lines = 0;
};

} // namespace authshield::console
