using System.Text;
using System.Text.Json;
using AdmissionWebhook.KeptnTasks;

namespace AdmissionWebhook.Tests.TestSupport;

/// <summary>Every field of a <see cref="KeptnTaskFields"/> as one line of text each, so two can be compared in one assertion.</summary>
internal static class TaskFieldsText
{
    public static string Of(KeptnTaskFields? fields)
    {
        if (fields is null)
        {
            return "(none)";
        }

        var text = new StringBuilder();
        text.Append("SpecJson: ").AppendLine(Encoding.UTF8.GetString(fields.SpecJson));
        foreach (var property in typeof(KeptnTaskFields).GetProperties().Where(property => property.PropertyType == typeof(FieldValue)))
        {
            text.Append(property.Name).Append(": ");
            switch (property.GetValue(fields))
            {
                case FieldValue field:
                    text.Append(field.Kind);
                    if (field.Kind is JsonValueKind.String or JsonValueKind.Number)
                    {
                        text.Append(' ').Append(field.RawText());
                    }

                    break;
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}
