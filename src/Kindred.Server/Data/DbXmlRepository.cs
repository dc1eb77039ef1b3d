using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Kindred.Server.Data;

/// <summary>
/// Keeps the ASP.NET Data Protection key ring in the database, so every app node on one PostgreSQL shares it
/// (a cookie issued by one node is read by the next) and a SQLite instance keeps it across restarts.
/// </summary>
public sealed class DbXmlRepository(Database db, TimeProvider time) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = db.Open();
        return connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at")
            .Select(XElement.Parse)
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = db.Open();
        connection.Execute(
            "INSERT INTO data_protection_keys (name, xml, created_at) VALUES (@name, @xml, @at) ON CONFLICT (name) DO NOTHING",
            new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting), at = time.GetUtcNow() });
    }
}
