using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DotNet.Interactive.Formatting.TabularData;

namespace SideEye.Interactive.Sql;

/// <summary>
/// A kept result as table-schema JSON, the form a #!share in another language (or with --mime-type) receives:
/// the framework's serializer, but with HUGEINT values (BigInteger, e.g. every sum() of a BIGINT) as JSON numbers,
/// which it would otherwise write as an object of BigInteger's properties.
/// </summary>
static class SqlJson
{
    static readonly JsonSerializerOptions Options = new(TabularDataResourceFormatter.JsonSerializerOptions)
    {
        Converters = { new BigIntegerAsNumber() },
    };

    public static string Of(TabularDataResource resource) => JsonSerializer.Serialize(resource, Options);

    sealed class BigIntegerAsNumber : JsonConverter<BigInteger>
    {
        public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            BigInteger.Parse(reader.TokenType == JsonTokenType.String ? reader.GetString()! : System.Text.Encoding.UTF8.GetString(reader.ValueSpan), CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.ToString(CultureInfo.InvariantCulture));
    }
}
