using Kindred.Server.Features.Changes;

namespace Kindred.Server.Features.Reports;

/// <summary>A moderator chose to tell the reported post's (or person's) server about a report: the outbox sends a
/// <c>Flag</c> from the instance actor, naming neither the reporter nor the moderator.</summary>
public sealed record ReportForwarded(Guid ReportId) : Change;
