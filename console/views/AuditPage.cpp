#include "console/views/AuditPage.h"

#include "console/models/AuditTableModel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace authshield::console {

namespace {

QLineEdit* filterField(const char* name, const QString& placeholder, QWidget* parent)
{
    auto* field = new QLineEdit(parent);
    field->setObjectName(QString::fromLatin1(name));
    field->setPlaceholderText(placeholder);
    field->setClearButtonEnabled(true);
    return field;
}

QDateTimeEdit* timeField(const char* name, QWidget* parent)
{
    auto* field = new QDateTimeEdit(QDateTime::currentDateTime(), parent);
    field->setObjectName(QString::fromLatin1(name));
    field->setCalendarPopup(true);
    field->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    field->setEnabled(false);
    return field;
}

} // namespace

AuditPage::AuditPage(ApiClient* api, QWidget* parent)
    : ConsolePage(api, parent)
    , m_client(std::make_unique<AdminClient>(api))
    , m_model(new AuditTableModel(api, this))
    , m_chooser([](QWidget* owner, const QString& suggested, const QString& filter) {
        return QFileDialog::getSaveFileName(owner, AuditPage::tr("Export audit log"), suggested, filter);
    })
    , m_type(filterField("auditType", tr("type, e.g. auth.login.* "), this))
    , m_actor(filterField("auditActor", tr("actor id"), this))
    , m_subject(filterField("auditSubject", tr("subject id"), this))
    , m_ip(filterField("auditIp", tr("IP address"), this))
    , m_fromEnabled(new QCheckBox(tr("From"), this))
    , m_from(timeField("auditFrom", this))
    , m_toEnabled(new QCheckBox(tr("To"), this))
    , m_to(timeField("auditTo", this))
    , m_apply(new QPushButton(tr("Apply"), this))
    , m_follow(new QCheckBox(tr("Follow"), this))
    , m_poll(new QTimer(this))
    , m_table(new QTableView(this))
    , m_detail(new QPlainTextEdit(this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_format(new QComboBox(this))
    , m_export(new QPushButton(tr("Export…"), this))
    , m_progress(new QProgressBar(this))
    , m_exportStatus(new QLabel(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_verify(new QPushButton(tr("Verify chain"), this))
    , m_verifyResult(new QLabel(this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("auditPage"));
    m_fromEnabled->setObjectName(QStringLiteral("auditFromEnabled"));
    m_toEnabled->setObjectName(QStringLiteral("auditToEnabled"));
    m_from->setDateTime(QDateTime::currentDateTime().addDays(-1));
    m_apply->setObjectName(QStringLiteral("auditApply"));
    m_follow->setObjectName(QStringLiteral("auditFollow"));
    m_follow->setToolTip(tr("Poll for new events and add them at the top"));
    m_poll->setInterval(3000);
    m_table->setObjectName(QStringLiteral("auditTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_detail->setObjectName(QStringLiteral("auditDetail"));
    m_detail->setReadOnly(true);
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setPlaceholderText(tr("Select an event to see it in full."));
    m_format->setObjectName(QStringLiteral("exportFormat"));
    m_format->addItem(tr("CSV"), QStringLiteral("csv"));
    m_format->addItem(tr("NDJSON"), QStringLiteral("ndjson"));
    m_export->setObjectName(QStringLiteral("exportButton"));
    m_progress->setObjectName(QStringLiteral("exportProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_progress->hide();
    m_exportStatus->setObjectName(QStringLiteral("exportStatus"));
    m_cancel->setObjectName(QStringLiteral("exportCancel"));
    m_cancel->hide();
    m_verify->setObjectName(QStringLiteral("verifyButton"));
    m_verifyResult->setObjectName(QStringLiteral("verifyResult"));
    m_verifyResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setObjectName(QStringLiteral("auditError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: palette(highlighted-text); background: #b3261e; padding: 4px;"));
    m_error->hide();

    auto* filters = new QGridLayout;
    filters->addWidget(m_type, 0, 0);
    filters->addWidget(m_actor, 0, 1);
    filters->addWidget(m_subject, 0, 2);
    filters->addWidget(m_ip, 0, 3);
    auto* times = new QHBoxLayout;
    times->addWidget(m_fromEnabled);
    times->addWidget(m_from);
    times->addWidget(m_toEnabled);
    times->addWidget(m_to);
    times->addStretch();
    times->addWidget(m_follow);
    times->addWidget(m_apply);
    filters->addLayout(times, 1, 0, 1, 4);
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_format);
    bottom->addWidget(m_export);
    bottom->addWidget(m_progress, 1);
    bottom->addWidget(m_exportStatus, 1);
    bottom->addWidget(m_cancel);
    bottom->addSpacing(24);
    bottom->addWidget(m_verify);
    bottom->addWidget(m_verifyResult);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_error);
    layout->addLayout(filters);
    layout->addWidget(m_splitter, 1);
    layout->addLayout(bottom);

    for (QLineEdit* field : {m_type, m_actor, m_subject, m_ip})
        connect(field, &QLineEdit::returnPressed, this, &AuditPage::applyFilter);
    connect(m_fromEnabled, &QCheckBox::toggled, m_from, &QWidget::setEnabled);
    connect(m_toEnabled, &QCheckBox::toggled, m_to, &QWidget::setEnabled);
    connect(m_apply, &QPushButton::clicked, this, &AuditPage::applyFilter);
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on) {
            m_model->pollNewest();
            m_poll->start();
        } else {
            m_poll->stop();
            m_model->reload(); // scrolling back works again from a fresh first page
        }
    });
    connect(m_poll, &QTimer::timeout, m_model, &AuditTableModel::pollNewest);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &AuditPage::showSelected);
    connect(m_model, &QAbstractItemModel::modelReset, m_detail, &QPlainTextEdit::clear);
    connect(m_model, &AuditTableModel::failed, this, &AuditPage::showError);
    connect(m_export, &QPushButton::clicked, this, &AuditPage::chooseAndExport);
    connect(m_cancel, &QPushButton::clicked, this, &AuditPage::cancelExport);
    connect(m_verify, &QPushButton::clicked, this, &AuditPage::verifyChain);
}

AuditPage::~AuditPage()
{
    if (m_reply)
        ApiClient::cancelStream(m_reply);
}

void AuditPage::refresh()
{
    m_error->hide();
    m_model->setFilter(filterFromFields());
}

void AuditPage::focusSearch()
{
    m_type->setFocus(Qt::ShortcutFocusReason);
    m_type->selectAll();
}

void AuditPage::saveState(QSettings& settings) const
{
    settings.setValue(QStringLiteral("audit/header"), m_table->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("audit/splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("audit/format"), m_format->currentData());
}

void AuditPage::restoreState(QSettings& settings)
{
    m_table->horizontalHeader()->restoreState(settings.value(QStringLiteral("audit/header")).toByteArray());
    m_splitter->restoreState(settings.value(QStringLiteral("audit/splitter")).toByteArray());
    const int format = m_format->findData(settings.value(QStringLiteral("audit/format")).toString());
    if (format >= 0)
        m_format->setCurrentIndex(format);
}

void AuditPage::setFollowInterval(int milliseconds)
{
    m_poll->setInterval(milliseconds);
}

AuditFilter AuditPage::filterFromFields() const
{
    AuditFilter filter;
    filter.type = m_type->text().trimmed();
    filter.actor = m_actor->text().trimmed();
    filter.subject = m_subject->text().trimmed();
    filter.ip = m_ip->text().trimmed();
    if (m_fromEnabled->isChecked())
        filter.from = m_from->dateTime();
    if (m_toEnabled->isChecked())
        filter.to = m_to->dateTime();
    return filter;
}

void AuditPage::applyFilter()
{
    m_error->hide();
    m_model->setFilter(filterFromFields());
}

void AuditPage::showSelected()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_detail->clear();
        return;
    }
    const AuditRecord& record = m_model->record(rows.first().row());
    m_detail->setPlainText(QString::fromUtf8(QJsonDocument(record.raw).toJson(QJsonDocument::Indented)));
}

void AuditPage::chooseAndExport()
{
    const QString format = m_format->currentData().toString();
    const QString suggested = QStringLiteral("audit-%1.%2")
                                  .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")), format);
    const QString filter = format == QStringLiteral("csv") ? tr("CSV files (*.csv)") : tr("NDJSON files (*.ndjson)");
    const QString path = m_chooser(this, suggested, filter);
    if (!path.isEmpty())
        startExport(path, format);
}

bool AuditPage::startExport(const QString& path, const QString& format)
{
    if (m_reply)
        return false;
    m_file = std::make_unique<QSaveFile>(path);
    if (!m_file->open(QIODevice::WriteOnly)) {
        m_exportStatus->setText(tr("Cannot write %1: %2").arg(path, m_file->errorString()));
        m_file.reset();
        Q_EMIT exportFinished(false, path);
        return false;
    }
    m_exportPath = path;
    m_bytes = 0;
    m_lines = 0;
    m_reply = api()->stream(
        AdminClient::auditExportPath(), AdminClient::auditExportQuery(filterFromFields(), format), this,
        [this](const QByteArray& chunk) {
            if (!m_file)
                return;
            if (m_file->write(chunk) != chunk.size()) {
                const QString problem = m_file->errorString();
                ApiClient::cancelStream(m_reply);
                endExport(false, tr("Writing %1 failed: %2. No file was saved.").arg(m_exportPath, problem));
                return;
            }
            m_bytes += chunk.size();
            m_lines += chunk.count('\n');
            m_exportStatus->setText(tr("%1 lines, %2").arg(QLocale().toString(m_lines),
                                                          QLocale().formattedDataSize(m_bytes)));
            Q_EMIT exportProgress(m_bytes, m_lines);
        },
        [this]() {
            if (!m_file)
                return;
            if (!m_file->commit()) {
                endExport(false, tr("Saving %1 failed: %2").arg(m_exportPath, m_file->errorString()));
                return;
            }
            endExport(true, tr("Exported %1 lines (%2) to %3.")
                                .arg(QLocale().toString(m_lines), QLocale().formattedDataSize(m_bytes), m_exportPath));
        },
        [this](const ApiError& error) {
            showError(error);
            endExport(false, tr("Export failed; no file was saved."));
        });
    if (!m_reply)
        return false; // no server: the error callback reports it
    // The total is not known up front: a busy bar while bytes arrive, the counts beside it.
    m_progress->setRange(0, 0);
    m_progress->show();
    m_cancel->show();
    m_export->setEnabled(false);
    m_exportStatus->setText(tr("Exporting…"));
    Q_EMIT busyChanged(true);
    return true;
}

void AuditPage::cancelExport()
{
    if (!m_reply && !m_file)
        return;
    ApiClient::cancelStream(m_reply);
    endExport(false, tr("Export cancelled; no file was saved."));
}

void AuditPage::endExport(bool completed, const QString& message)
{
    m_reply = nullptr;
    if (m_file && !completed)
        m_file->cancelWriting(); // the temporary file goes; the target was never created
    m_file.reset();
    m_progress->setRange(0, 1);
    m_progress->setValue(completed ? 1 : 0);
    m_progress->setVisible(completed);
    m_cancel->hide();
    m_export->setEnabled(true);
    m_exportStatus->setText(message);
    Q_EMIT busyChanged(false);
    Q_EMIT statusMessage(message);
    Q_EMIT exportFinished(completed, m_exportPath);
}

void AuditPage::verifyChain()
{
    m_verify->setEnabled(false);
    m_verifyResult->setText(tr("Verifying…"));
    m_client->verifyAudit(
        this,
        [this](const ChainVerification& result) {
            m_verify->setEnabled(true);
            if (result.ok) {
                m_verifyResult->setText(tr("Chain intact: %1 events checked.").arg(QLocale().toString(result.checked)));
                m_verifyResult->setStyleSheet(QString());
            } else {
                m_verifyResult->setText(
                    tr("Chain BROKEN at event %1 (%2 checked): the log was altered.")
                        .arg(result.firstBrokenSeq ? QString::number(*result.firstBrokenSeq) : tr("unknown"))
                        .arg(QLocale().toString(result.checked)));
                m_verifyResult->setStyleSheet(QStringLiteral("color: #b3261e; font-weight: bold;"));
            }
            Q_EMIT verifyFinished(result.ok);
        },
        [this](const ApiError& error) {
            m_verify->setEnabled(true);
            m_verifyResult->setText(tr("Not verified."));
            showError(error);
            Q_EMIT verifyFinished(false);
        });
}

void AuditPage::showError(const ApiError& error)
{
    m_error->setText(error.displayText());
    m_error->show();
    Q_EMIT errorOccurred(error);
}

QString AuditPage::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

} // namespace authshield::console
